"""Run the spider for one site in its own process and keep its WARC in the store.

Scrapy's reactor cannot restart inside one process, and one site's crash must
not take the others down, so each site is a `python -m spiders.run` child.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.records import CrawlJob, CrawlSummary, Site
from archive.run.logs import save_log
from archive.store import Store
from archive.store.keys import warc_key
from archive.store.state import load_state, save_state

CRAWL_TIMEOUT_S = 3 * 3600


class CrawlError(RuntimeError):
    """A site's crawl process that failed, named with its log tail."""


@dataclass(frozen=True)
class CrawlOptions:
    """How to crawl: the mode and bounds of a run, and Scrapy setting overrides."""

    mode: str = "nightly"
    since: str | None = None
    until: str | None = None
    max_pages: int | None = None
    revisit_days: int = 30
    # Send the pages of sites marked `render: true` through Chromium (spiders/render.py).
    render: bool = False
    settings: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class CrawlResult:
    """What a site's crawl left: its WARC in the store and the spider's counters."""

    site_id: str
    warc_key: str
    summary: CrawlSummary | None  # None: a stored WARC read again (re-extraction), nothing crawled

    def to_dict(self) -> dict[str, Any]:
        """Plain data, to pass between Airflow tasks."""
        return {"site_id": self.site_id, "warc_key": self.warc_key,
                "summary": self.summary.to_dict() if self.summary else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlResult:
        """Rebuild from `to_dict()` output."""
        summary = data.get("summary")
        return cls(data["site_id"], data["warc_key"], CrawlSummary.from_dict(summary) if summary else None)


def crawl_site(site: Site, store: Store, run_id: str, options: CrawlOptions = CrawlOptions()) -> CrawlResult:
    """Crawl one site in a child process and upload its WARC; raise CrawlError on failure."""
    chromium = None
    if options.render and site.render:
        from archive.run.browser import RenderUnavailable, find_chromium

        try:
            chromium = find_chromium()
        except RenderUnavailable as exc:
            raise CrawlError(f"site {site.id}: {exc}") from None
    state = load_state(store, site.id)
    known = {url: {} for url in state.listed}
    known |= {url: {k: v for k, v in entry.items() if k in ("etag", "last_modified", "first_seen")}
              for url, entry in state.documents.items()}
    with tempfile.TemporaryDirectory(prefix=f"wjw-{site.id}-") as tmp:
        work = Path(tmp)
        job = CrawlJob(site=site, warc_path=str(work / "capture.warc.gz"), summary_path=str(work / "summary.json"),
                       mode=options.mode, since=options.since, until=options.until, max_pages=options.max_pages,
                       known=known, revisit_days=options.revisit_days, chromium=chromium,
                       settings=dict(options.settings))
        job_path = work / "job.json"
        job_path.write_text(json.dumps(job.to_dict(), ensure_ascii=False), encoding="utf-8")
        log_path = work / "scrapy.log"
        with open(log_path, "wb") as log:
            proc = subprocess.run(
                [sys.executable, "-m", "spiders.run", str(job_path)],
                stdout=log, stderr=subprocess.STDOUT, timeout=CRAWL_TIMEOUT_S, check=False,
            )
        save_log(store, run_id, site.id, log_path)
        summary_path = Path(job.summary_path)
        if proc.returncode != 0 or not summary_path.exists():
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise CrawlError(f"site {site.id}: crawl process exited {proc.returncode}\n{tail}")
        summary = CrawlSummary.from_dict(json.loads(summary_path.read_text(encoding="utf-8")))
        key = warc_key(run_id, site.id)
        store.put_file(key, Path(job.warc_path))
    listed = set(summary.listed)
    if not listed <= set(state.listed):
        state.listed = sorted(listed | set(state.listed))
        save_state(store, state)
    return CrawlResult(site.id, key, summary)
