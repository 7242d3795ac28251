"""Run the spider for one site in its own process and keep its WARC in the store.

Scrapy's reactor cannot restart inside one process, and one site's crash must
not take the others down, so each site is a `python -m spiders.run` child.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from archive.records import CrawlJob, CrawlSummary, Site
from archive.run import killpoints
from archive.run.captures import append_summary
from archive.run.recover import load_or_rebuild
from archive.scratch import scratch
from archive.run.logs import save_log
from archive.store import Store
from archive.store.keys import warc_key
from archive.store.state import SiteState

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

    def __post_init__(self) -> None:
        if self.mode not in ("nightly", "backfill"):
            raise ValueError(f"mode {self.mode!r}: use nightly or backfill")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                if not is_day(value):
                    raise ValueError(f"--{name} {value!r}: give a date as YYYY-MM-DD, e.g. 2024-01-31")
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"--since {self.since} is after --until {self.until}: swap them")
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"--max-pages {self.max_pages}: give 1 or more")


def is_day(value: str) -> bool:
    """Whether `value` is a real calendar day written YYYY-MM-DD (not 2020-13-45, not 'yesterday')."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class CrawlResult:
    """What a site's crawl left: its WARC in the store and the spider's counters."""

    site_id: str
    warc_key: str
    summary: CrawlSummary | None  # None: a stored WARC read again (re-extraction), nothing crawled
    # WARCs a dead run stored for this site and may not have ingested: ingested before this one.
    recovered: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data, to pass between Airflow tasks."""
        return {"site_id": self.site_id, "warc_key": self.warc_key,
                "summary": self.summary.to_dict() if self.summary else None, "recovered": list(self.recovered)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlResult:
        """Rebuild from `to_dict()` output."""
        summary = data.get("summary")
        return cls(data["site_id"], data["warc_key"], CrawlSummary.from_dict(summary) if summary else None,
                   tuple(data.get("recovered") or ()))


# What the crawl's child process may see of ours: enough to run Python and find its packages, never the
# store's credentials (it parses pages from the open web).
CHILD_ENV = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "PYTHONPATH", "PYTHONHASHSEED", "VIRTUAL_ENV",
             "SYSTEMROOT", "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
             "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "PLAYWRIGHT_BROWSERS_PATH", "DISPLAY")


def child_env() -> dict[str, str]:
    """The environment of the crawl process: an allow-list, plus LC_* and the fault hook's own variable."""
    return {name: value for name, value in os.environ.items()
            if name in CHILD_ENV or name.startswith("LC_") or name == killpoints.ENV}


def _die_with_parent() -> None:
    """In the child, before it runs: on Linux, be killed when the run that started it dies (kill -9 included)."""
    try:
        import ctypes  # noqa: PLC0415

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: an orphaned crawl finishes on its own and its WARC is never read


def crawl_site(site: Site, store: Store, run_id: str, options: CrawlOptions = CrawlOptions(),
               state: SiteState | None = None) -> CrawlResult:
    """Crawl one site in a child process and store its WARC; raise CrawlError on failure.

    The site's state is only read here: it advances after the WARC is ingested
    (archive.run.ingest), so a run killed in between leaves the entries unsettled
    and the next run fetches them again.
    """
    chromium = None
    if options.render and site.render:
        from archive.run.browser import RenderUnavailable, find_chromium

        try:
            chromium = find_chromium()
        except RenderUnavailable as exc:
            raise CrawlError(f"site {site.id}: {exc}") from None
    if state is None:
        state = load_or_rebuild(store, site.id)
    with scratch(f"crawl-{site.id}") as work:
        job = CrawlJob(site=site, warc_path=str(work / "capture.warc.gz"), summary_path=str(work / "summary.json"),
                       mode=options.mode, since=options.since, until=options.until, max_pages=options.max_pages,
                       known=state.known(), revisit_days=options.revisit_days, chromium=chromium,
                       settings=dict(options.settings))
        job_path = work / "job.json"
        job_path.write_text(json.dumps(job.to_dict(), ensure_ascii=False), encoding="utf-8")
        log_path = work / "scrapy.log"
        with open(log_path, "wb") as log:
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "spiders.run", str(job_path)], stdout=log, stderr=subprocess.STDOUT,
                    timeout=CRAWL_TIMEOUT_S, check=False, env=child_env(), preexec_fn=_die_with_parent,
                )
            except subprocess.TimeoutExpired:
                raise CrawlError(f"site {site.id}: crawl still running after {CRAWL_TIMEOUT_S} s; stopped") from None
        save_log(store, run_id, site.id, log_path)
        summary_path = Path(job.summary_path)
        if proc.returncode != 0 or not summary_path.exists():
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise CrawlError(f"site {site.id}: crawl process exited {proc.returncode}\n{tail}")
        summary = CrawlSummary.from_dict(json.loads(summary_path.read_text(encoding="utf-8")))
        append_summary(Path(job.warc_path), run_id, summary)
        key = warc_key(run_id, site.id)
        store.put_file(key, Path(job.warc_path))
        killpoints.reached("warc_stored")
    return CrawlResult(site.id, key, summary)
