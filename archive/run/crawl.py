"""Run the spiders for a chunk of sites in one child process and keep each site's WARC in the store.

Scrapy's reactor cannot restart inside one process, so crawls run in a
`python -m spiders.run` child; one child serves a chunk of sites, so starting
Python and Scrapy is paid per chunk, not per site. One site's crash must not
take the others down: each site's WARC is stored as soon as its crawl ends,
and the sites a dead child left unfinished are crawled again, each alone.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from archive.records import CrawlJob, CrawlSummary, Site
from archive.run import killpoints
from archive.run.captures import append_summary
from archive.run.logs import save_log
from archive.run.recover import load_or_rebuild
from archive.scratch import scratch
from archive.store import Store, StoreError
from archive.store.keys import warc_key
from archive.store.state import SiteState

CRAWL_TIMEOUT_S = 3 * 3600
# How long past the sites' own time limit a chunk's process may take to close them before it is killed.
CHILD_GRACE_S = 10 * 60


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
    """Crawl one site in a child process and store its WARC; raise CrawlError on failure."""
    [outcome] = crawl_chunk([site], store, run_id, options, {site.id: state} if state is not None else None)
    if isinstance(outcome, CrawlError):
        raise outcome
    return outcome


def crawl_chunk(sites: list[Site], store: Store, run_id: str, options: CrawlOptions = CrawlOptions(),
                states: dict[str, SiteState] | None = None) -> list[CrawlResult | CrawlError]:
    """Crawl a chunk of sites in one child process; store each site's WARC the moment its crawl ends.

    Each site keeps its own crawler (politeness, robots.txt), WARC, summary and
    log; the result holds, in the sites' order, each one's CrawlResult or the
    CrawlError that cost it alone. Sites still crawling when the child died
    (another site's bytes may have killed it) are crawled again, each alone, so
    one site's crash costs only that site; sites still crawling at the time
    limit are stopped and failed, not tried again.

    The sites' state is only read here: it advances after the WARC is ingested
    (archive.run.ingest), so a run killed in between leaves the entries unsettled
    and the next run fetches them again.
    """
    outcomes: dict[str, CrawlResult | CrawlError] = {}
    jobs: list[CrawlJob] = []
    with scratch("crawl") as work:
        for n, site in enumerate(sites):
            try:
                jobs.append(_job(site, store, work / f"{n:04d}", options, (states or {}).get(site.id)))
            except CrawlError as exc:
                outcomes[site.id] = exc
        if jobs:
            outcomes |= _run_child(jobs, store, run_id, work)
    crashed = [site for site in sites
               if isinstance(outcomes.get(site.id), ChildDied) and not outcomes[site.id].interrupted]
    if len(crashed) > 1:  # one of them may have killed the child: alone, each costs only itself
        for site in crashed:
            [outcomes[site.id]] = crawl_chunk([site], store, run_id, options, states)
    return [outcomes[site.id] for site in sites]


class ChildDied(CrawlError):
    """A site still crawling when its chunk's process died; `interrupted` when it was stopped on purpose (Ctrl-C)."""

    def __init__(self, message: str, interrupted: bool = False) -> None:
        super().__init__(message)
        self.interrupted = interrupted


def _job(site: Site, store: Store, work: Path, options: CrawlOptions, state: SiteState | None) -> CrawlJob:
    """The crawl job of one site of a chunk, its files in `work`; CrawlError when it cannot be crawled as asked."""
    chromium = None
    if options.render and site.render:
        from archive.run.browser import RenderUnavailable, find_chromium

        try:
            chromium = find_chromium()
        except RenderUnavailable as exc:
            raise CrawlError(f"site {site.id}: {exc}") from None
    if state is None:
        state = load_or_rebuild(store, site.id)
    work.mkdir()
    settings = dict(options.settings)
    # Every site's own time limit, inside the shared process: one that never ends is stopped alone.
    settings.setdefault("CLOSESPIDER_TIMEOUT", CRAWL_TIMEOUT_S)
    job = CrawlJob(site=site, warc_path=str(work / "capture.warc.gz"), summary_path=str(work / "summary.json"),
                   mode=options.mode, since=options.since, until=options.until, max_pages=options.max_pages,
                   known=state.known(), revisit_days=options.revisit_days, chromium=chromium,
                   settings=settings, log_path=str(work / "scrapy.log"))
    (work / "job.json").write_text(json.dumps(job.to_dict(), ensure_ascii=False), encoding="utf-8")
    return job


def _run_child(jobs: list[CrawlJob], store: Store, run_id: str, work: Path) -> dict[str, CrawlResult | CrawlError]:
    """Run one child for the jobs, storing each site's WARC as the child announces its end."""
    outcomes: dict[str, CrawlResult | CrawlError] = {}
    chunk_log = work / "chunk.log"
    # Sites run side by side, each bounded by CLOSESPIDER_TIMEOUT; this is the bound of last resort.
    limit = CRAWL_TIMEOUT_S + CHILD_GRACE_S
    with open(chunk_log, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "spiders.run", *(str(Path(job.warc_path).parent / "job.json") for job in jobs)],
            stdout=subprocess.PIPE, stderr=log, env=child_env(), preexec_fn=_die_with_parent,
            text=True, encoding="utf-8", errors="replace",
        )
        expired = threading.Event()

        def stop() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(limit, stop)
        timer.start()
        try:
            for line in proc.stdout:
                word, _, rest = line.strip().partition(" ")
                index, _, reason = rest.partition(" ")
                if word not in ("wjw-done", "wjw-failed") or not index.isdigit() or int(index) >= len(jobs):
                    continue  # not our protocol: something in the child printed
                job = jobs[int(index)]
                if word == "wjw-done":
                    outcomes[job.site.id] = _store_site(job, store, run_id)
                else:
                    _save_site_log(job, store, run_id)
                    outcomes[job.site.id] = CrawlError(f"site {job.site.id}: crawl raised {reason}")
            returncode = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    timed_out = expired.is_set()
    tail = chunk_log.read_text(encoding="utf-8", errors="replace")[-2000:]
    for job in jobs:
        if job.site.id in outcomes:
            continue
        _save_site_log(job, store, run_id)
        if timed_out:
            outcomes[job.site.id] = CrawlError(f"site {job.site.id}: crawl still running after {limit} s; stopped")
        else:
            site_tail = _tail(Path(job.log_path)) or tail
            outcomes[job.site.id] = ChildDied(f"site {job.site.id}: crawl process exited {returncode}\n{site_tail}",
                                              interrupted=returncode in (-signal.SIGINT, -signal.SIGTERM))
    return outcomes


def _store_site(job: CrawlJob, store: Store, run_id: str) -> CrawlResult | CrawlError:
    """Keep a finished site's log and WARC (its summary appended) in the store."""
    site_id = job.site.id
    _save_site_log(job, store, run_id)
    try:
        summary = CrawlSummary.from_dict(json.loads(Path(job.summary_path).read_text(encoding="utf-8")))
        append_summary(Path(job.warc_path), run_id, summary)
        key = warc_key(run_id, site_id)
        store.put_file(key, Path(job.warc_path))
    except (OSError, ValueError, StoreError) as exc:
        return CrawlError(f"site {site_id}: its WARC could not be stored: {exc}")
    killpoints.reached("warc_stored")
    return CrawlResult(site_id, key, summary)


def _save_site_log(job: CrawlJob, store: Store, run_id: str) -> None:
    if job.log_path:
        save_log(store, run_id, job.site.id, Path(job.log_path))


def _tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-2000:]
    except OSError:
        return ""
