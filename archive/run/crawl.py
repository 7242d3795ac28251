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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from archive.records import Site
from archive.store import Store
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
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Plain data, to pass between Airflow tasks."""
        return {"site_id": self.site_id, "warc_key": self.warc_key, "summary": self.summary}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlResult:
        """Rebuild from `to_dict()` output."""
        return cls(data["site_id"], data["warc_key"], data["summary"])


def warc_key(run_id: str, site_id: str, when: datetime | None = None) -> str:
    """Where a run's WARC for a site lives: warc/YYYY/MM/DD/<run_id>-<site>.warc.gz."""
    when = when or datetime.now(timezone.utc)
    return f"warc/{when:%Y/%m/%d}/{run_id}-{site_id}.warc.gz"


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
        job = {
            "site": site.to_dict(),
            "mode": options.mode,
            "since": options.since,
            "until": options.until,
            "max_pages": options.max_pages,
            "known": known,
            "revisit_days": options.revisit_days,
            "chromium": chromium,  # the browser to render with; None: a plain crawl
            "settings": dict(options.settings),
            "warc_path": str(work / "capture.warc.gz"),
            "summary_path": str(work / "summary.json"),
        }
        job_path = work / "job.json"
        job_path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        log_path = work / "scrapy.log"
        with open(log_path, "wb") as log:
            proc = subprocess.run(
                [sys.executable, "-m", "spiders.run", str(job_path)],
                stdout=log, stderr=subprocess.STDOUT, timeout=CRAWL_TIMEOUT_S, check=False,
            )
        summary_path = Path(job["summary_path"])
        if proc.returncode != 0 or not summary_path.exists():
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise CrawlError(f"site {site.id}: crawl process exited {proc.returncode}\n{tail}")
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        key = warc_key(run_id, site.id)
        store.put_file(key, Path(job["warc_path"]))
    listed = set(summary.pop("listed", ()))
    if not listed <= set(state.listed):
        state.listed = sorted(listed | set(state.listed))
        save_state(store, state)
    return CrawlResult(site.id, key, summary)
