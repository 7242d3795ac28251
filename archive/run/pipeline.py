"""The whole pipeline once: crawl each site, ingest its WARC, publish a manifest.

The CLI (`wjw run`) and the Airflow DAGs call these same functions.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

from archive.corpus.health import BASELINE_RUNS, QUIET_RUNS, load_reports, site_health
from archive.corpus.manifest import write_manifest
from archive.dedup.index import DedupIndex
from archive.records import CrawlSummary, RunReport, Site, SiteReport
from archive.run.crawl import CrawlError, CrawlOptions, CrawlResult, crawl_chunk
from archive.run import killpoints
from archive.run.ingest import commit_warc, read_warc, relink_clusters, store_read_warc
from archive.run.readers import WarcReaders
from archive.run.recover import load_or_rebuild
from archive.scratch import sweep
from archive.store import Store, StoreError
from archive.store.keys import WARC_PREFIX, parse_warc_key, report_key, warc_key
from archive.store.leases import LEASE_TTL, Heartbeat, Lease, LeaseHeld
from archive.store.leases import release as release_lease
from archive.store.leases import take as take_lease

Progress = Callable[[str], None]

log = logging.getLogger("wjw.run")

# How long a run waits for a site another run holds before skipping it (counted as leased_by_other_run).
LEASE_WAIT_S = 30 * 60
LEASE_POLL_S = 2.0

# Sites one crawl process serves at most: enough that starting Python and Scrapy (about 2 s) is paid
# rarely; few enough that a process that dies takes little with it (its sites are crawled again alone).
CHUNK_SITES = 32
T = TypeVar("T")


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: 20261124T060000Z-1a2b."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def crawl_sites(
    sites: Iterable[Site], store: Store, run_id: str, options: CrawlOptions, workers: int = 2,
    progress: Progress = lambda _: None, leases: LeaseBook | None = None, lease_wait_s: float = 0,
    chunk_size: int = CHUNK_SITES,
) -> list[CrawlResult | SiteReport | None]:
    """Crawl sites in chunks, `workers` chunk processes at a time, each site under its lease.

    A failed site becomes a SiteReport. A site another live run holds is waited
    for up to `lease_wait_s`; with 0 it is None in the result, for the caller to
    try again once it holds no lease itself (two runs each holding a site the
    other waits for would never end).
    """
    leases = leases or LeaseBook(store, run_id)
    chunks = split_chunks(list(sites), workers, chunk_size)

    def one(chunk: list[Site]) -> list[CrawlResult | SiteReport | None]:
        return crawl_leased(chunk, store, run_id, options, leases, progress, wait_s=lease_wait_s)

    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        return [outcome for outcomes in pool.map(one, chunks) for outcome in outcomes]
    finally:
        # On Ctrl-C start no further chunk; the running ones finish (their crawl got the same SIGINT).
        pool.shutdown(wait=True, cancel_futures=True)


def split_chunks(sites: list[Site], workers: int, chunk_size: int = CHUNK_SITES) -> list[list[Site]]:
    """The sites in order, cut into as few chunks of at most `chunk_size` as keep every worker busy, evenly sized."""
    if not sites:
        return []
    return even_chunks(sites, max(min(max(1, workers), len(sites)), -(-len(sites) // max(1, chunk_size))))


def even_chunks(items: Sequence[T], count: int) -> list[list[T]]:
    """`items` in order, cut into `count` chunks whose sizes differ by at most one (the DAG's chunks too)."""
    size, extra = divmod(len(items), count)
    chunks, start = [], 0
    for n in range(count):
        end = start + size + (n < extra)
        chunks.append(list(items[start:end]))
        start = end
    return chunks


def crawl_one(
    site: Site, store: Store, run_id: str, options: CrawlOptions, leases: LeaseBook,
    progress: Progress = lambda _: None, wait_s: float = 0,
) -> CrawlResult | SiteReport | None:
    """Take the site's lease and crawl it; None when another run holds it still after `wait_s` seconds."""
    [outcome] = crawl_leased([site], store, run_id, options, leases, progress, wait_s)
    return outcome


def crawl_leased(
    sites: list[Site], store: Store, run_id: str, options: CrawlOptions, leases: LeaseBook,
    progress: Progress = lambda _: None, wait_s: float = 0,
) -> list[CrawlResult | SiteReport | None]:
    """Take each site's lease and crawl the sites held in one process; None for a site another run holds.

    A site another run still holds after `wait_s` seconds is None (with 0) or
    skipped as leased_by_other_run. A fault (the crawl process, the store, the
    disk) costs its site only, named in its report.
    """
    outcomes: dict[str, CrawlResult | SiteReport | None] = {}
    held: dict[str, Lease] = {}
    states = {}
    for site in sites:
        try:
            held[site.id] = leases.take(site.id, wait_s)
            states[site.id] = load_or_rebuild(store, site.id, lambda message, s=site.id: progress(f"{s}: {message}"))
        except LeaseHeld as exc:
            outcomes[site.id] = None if wait_s <= 0 else _leased_elsewhere(site, exc, progress)
        except (StoreError, OSError) as exc:
            progress(f"{site.id}: crawl failed")
            if site.id in held:
                leases.give_back(site.id, unfinished=held.pop(site.id).inherited)
            outcomes[site.id] = SiteReport(site_id=site.id, failed=one_line(exc))
    crawling = [site for site in sites if site.id in held]
    for site, result in zip(crawling, crawl_chunk(crawling, store, run_id, options, states) if crawling else []):
        if isinstance(result, CrawlError):
            progress(f"{site.id}: crawl failed")
            leases.give_back(site.id, unfinished=held[site.id].inherited)
            outcomes[site.id] = SiteReport(site_id=site.id, failed=one_line(result))
        else:
            progress(f"{site.id}: crawled")
            outcomes[site.id] = dataclasses.replace(result, recovered=tuple(held[site.id].inherited))
    return [outcomes[site.id] for site in sites]


def _leased_elsewhere(site: Site, exc: LeaseHeld, progress: Progress) -> SiteReport:
    progress(f"{site.id}: skipped, {exc}")
    report = SiteReport(site_id=site.id)
    report.skip("leased_by_other_run")
    return report


def one_line(exc: BaseException) -> str:
    """An error as one line for the run report: its message's first line (an OSError's with its file), or its type."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class LeaseBook:
    """The site leases one run holds, renewed while it works (`pid` set) or left to expire (`pid` None)."""

    def __init__(self, store: Store, run_id: str, *, ttl: timedelta = LEASE_TTL, pid: int | None = None,
                 heartbeat: Heartbeat | None = None) -> None:
        self.store = store
        self.run_id = run_id
        self.ttl = ttl
        self.pid = pid
        self.heartbeat = heartbeat
        self.held: dict[str, Lease] = {}

    def take(self, site_id: str, wait_s: float = 0) -> Lease:
        """Take (or take again, for this run) the site's lease, waiting up to `wait_s` seconds for another run."""
        if site_id in self.held:
            return self.held[site_id]
        deadline = time.monotonic() + wait_s
        while True:
            try:
                lease = take_lease(self.store, site_id, self.run_id, ttl=self.ttl, pid=self.pid,
                                   planned_warc=warc_key(self.run_id, site_id))
                break
            except LeaseHeld:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(min(LEASE_POLL_S, max(0.1, deadline - time.monotonic())))
        self.held[site_id] = lease
        if self.heartbeat is not None:
            self.heartbeat.hold(lease)
        return lease

    def give_back(self, site_id: str, unfinished: Iterable[str] = ()) -> None:
        """Release the site; WARCs stored and not ingested stay on the lease for the next run."""
        lease = self.held.pop(site_id, None)
        if lease is None:
            return
        if self.heartbeat is not None:
            self.heartbeat.drop(lease)  # renewals run under its lock: none is under way once this returns
        try:
            release_lease(self.store, lease, unfinished=list(unfinished))
        except StoreError:
            pass  # the lease expires, or its holder's process is seen dead: the next run takes it over
        killpoints.reached("lease_released")


def archive_crawls(
    store: Store, sites: Iterable[Site], crawls: Iterable[CrawlResult | SiteReport], run_id: str, mode: str,
    started_at: str | None = None, progress: Progress = lambda _: None, leases: LeaseBook | None = None,
    workers: int = 1, read_by_tasks: bool = False,
) -> RunReport:
    """Ingest every crawl's WARC (a dead run's first), give each site back, then write the manifest and report.

    `workers` processes read the WARCs; with `read_by_tasks`, what this run's
    mapped tasks read and kept (`read_crawls`) is committed instead.
    """
    report = RunReport(run_id=run_id, mode=mode, store=str(store),
                       started_at=started_at or datetime.now(timezone.utc).isoformat(timespec="seconds"))
    ingest_crawls(store, list(sites), crawls, report, leases or LeaseBook(store, run_id), progress, workers,
                  kept_by=run_id if read_by_tasks else None)
    return publish(store, report)


def ingest_crawls(
    store: Store, sites: list[Site], crawls: Iterable[CrawlResult | SiteReport], report: RunReport,
    leases: LeaseBook, progress: Progress = lambda _: None, workers: int = 1, kept_by: str | None = None,
) -> None:
    """Ingest the crawls' WARCs into the store and give each site back; relink what they touched.

    `workers` processes read WARCs ahead (extraction, the CPU-heavy half) while
    this process commits them one by one in the crawls' order, so the run
    stores the same documents, links and state whatever the number of workers.
    A site whose ingest fails is reported failed and its WARCs stay on its lease,
    so the next run ingests them; the other sites are archived.
    """
    by_id = {site.id: site for site in sites}
    index = DedupIndex.from_store(store)
    reports = []
    with WarcReaders(store, workers, kept_by) as readers:

        def start(crawl: CrawlResult | SiteReport) -> list | Exception | None:
            if isinstance(crawl, SiteReport):
                return None
            try:
                # The lease first: nothing of a site is written, not even a blob, while another run holds it.
                leases.take(crawl.site_id)
            except Exception as exc:  # noqa: BLE001 - reported on the site below, as a failed ingest
                return exc
            return [readers.submit(by_id[crawl.site_id], key) for key in [*crawl.recovered, crawl.warc_key]]

        for crawl, reading in read_ahead(crawls, start, readers.ahead):
            if isinstance(crawl, SiteReport):
                reports.append(crawl)
                continue
            reports.append(commit_site(store, by_id[crawl.site_id], crawl, reading, index, report, leases, progress))
    relink_clusters(store, index, {s.site_id: s for s in reports})
    report.sites.extend(reports)


def read_crawls(store: Store, sites: Iterable[Site], crawls: Iterable[CrawlResult | SiteReport], run_id: str,
                progress: Progress = lambda _: None) -> list[str]:
    """Read the crawls' WARCs (extract, sign) and keep each reading in the store for `archive_crawls` to commit.

    The CPU-heavy half of ingest, for a mapped task of one chunk: it writes only
    blobs and the readings, so chunks read side by side and the run's commit,
    in one ordered step, stores what a serial ingest would. A WARC that cannot
    be read is left to the commit, which reads it again and names the fault.
    """
    by_id = {site.id: site for site in sites}
    kept = []
    for crawl in crawls:
        if isinstance(crawl, SiteReport):
            continue
        for key in [*crawl.recovered, crawl.warc_key]:
            try:
                kept.append(store_read_warc(store, run_id, read_warc(store, by_id[crawl.site_id], key)))
            except Exception as exc:  # noqa: BLE001 - the commit reads it again and reports the site
                progress(f"{crawl.site_id}: {key} not read ahead: {one_line(exc)}")
    return kept


def read_ahead(items: Iterable, start: Callable, ahead: int) -> Iterator[tuple]:
    """Each item with what `start(item)` began for it, `start` running up to `ahead` items before it is needed."""
    started: deque = deque()
    pending = iter(items)
    for item in pending:
        started.append((item, start(item)))
        if len(started) >= ahead:
            break
    while started:
        yield started.popleft()
        for item in pending:
            started.append((item, start(item)))
            break


def commit_site(
    store: Store, site: Site, crawl: CrawlResult, reading: list | Exception, index: DedupIndex, report: RunReport,
    leases: LeaseBook, progress: Progress,
) -> SiteReport:
    """Commit a site's WARCs as they are read, a dead run's first; give the site back; its report."""
    site_report = site_report_from_summary(crawl)

    def warn(message: str) -> None:
        progress(f"{site.id}: {message}")

    todo = [*crawl.recovered, crawl.warc_key]
    ingest_started = time.monotonic()
    try:
        if isinstance(reading, Exception):
            raise reading
        while todo:
            # Older records are relinked once, after every site is in, so a record
            # gains at most one new version per run however many copies arrive.
            commit_warc(store, site, reading[len(reading) - len(todo)].result(), index, site_report, relink=False,
                        warn=warn)
            if todo[0] != crawl.warc_key:
                report.recovered.append(todo[0])
            todo.pop(0)
    except LeaseHeld as exc:
        site_report.failed = f"{exc}; it finishes this site's WARC"
    except Exception as exc:  # noqa: BLE001 - one site's fault (store, disk, hostile bytes) is that site's
        log.debug("site %s: ingest failed", site.id, exc_info=True)
        site_report.failed = f"ingest failed: {one_line(exc)}"
    if todo and not isinstance(reading, Exception):
        for pending in reading[len(reading) - len(todo):]:
            pending.cancel()
    site_report.seconds["ingest"] = round(time.monotonic() - ingest_started, 2)
    leases.give_back(site.id, unfinished=todo)
    progress(f"{site.id}: {site_report.new} new, {site_report.changed} changed, "
             f"{sum(site_report.errors.values())} errors")
    return site_report


def publish(store: Store, report: RunReport) -> RunReport:
    """Write the manifest, then the run report: the run's commit marker."""
    report.manifest_key, report.documents_total = write_manifest(store, report.run_id)
    killpoints.reached("manifest_written")
    report.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    report.health_flags = health_flags(store, report)
    store.put(report_key(report.run_id), json.dumps(report.to_dict(), ensure_ascii=False, indent=1).encode("utf-8"),
              content_type="application/json")
    killpoints.reached("report_written")
    return report


def health_flags(store: Store, report: RunReport) -> dict[str, list[str]]:
    """The monitors that fire for this run's sites, judged over the recent run reports and this one."""
    history = load_reports(store, runs=BASELINE_RUNS + QUIET_RUNS) + [report.to_dict()]
    ours = {site.site_id for site in report.sites}
    return {h.site_id: list(h.flags) for h in site_health(history) if h.flagged and h.site_id in ours}


def site_report_from_summary(crawl: CrawlResult) -> SiteReport:
    """Start a site's report from what its spider counted."""
    summary = crawl.summary
    report = SiteReport(site_id=crawl.site_id, warc_key=crawl.warc_key)
    if summary is None:  # a re-extraction: nothing was crawled
        return report
    report.browser_requests = summary.count("browser_requests")
    for reason, n in summary.skipped.items():
        report.skip(reason, n)
    for reason, n in summary.errors.items():
        report.error(reason, n)
    report.failed = unreachable_reason(summary)
    if summary.finish_reason == "closespider_timeout" and not report.failed:
        report.failed = "crawl stopped at its time limit (CLOSESPIDER_TIMEOUT); what it fetched is archived"
    report.error_samples = {reason: list(urls) for reason, urls in summary.error_samples.items()}
    report.first_page_entries = dict(summary.first_page_entries)
    report.scrapy_stats = dict(summary.stats)
    if "elapsed_time_seconds" in summary.stats:
        report.seconds["crawl"] = round(float(summary.stats["elapsed_time_seconds"]), 2)
    return report


def unreachable_reason(summary: CrawlSummary) -> str | None:
    """Why a crawl that finished reached none of its site's list pages, or None when it reached one.

    A site that answers 500 to everything leaves a clean crawl process but nothing
    archived; the report must name it as failed, not as a quiet night.
    """
    if summary.count("list_pages"):
        return None
    errors = summary.errors
    if not errors:
        return "no list page fetched"
    reasons = ", ".join(f"{reason} ×{n}" for reason, n in sorted(errors.items(), key=lambda item: -item[1]))
    return f"no list page fetched: {reasons}"


def reextract(
    store: Store, sites: Iterable[Site], run_id: str, since: str | None = None, until: str | None = None,
    progress: Progress = lambda _: None,
) -> RunReport:
    """Ingest the stored WARCs of these sites again, oldest first, without crawling; publish as a run.

    `since`/`until` (YYYY-MM-DD, inclusive) bound the capture day in the WARC's key.
    """
    sites = list(sites)
    warcs = stored_warcs(store, [site.id for site in sites], since, until)
    crawls = [CrawlResult(site_id, key, None) for site_id, key in warcs]
    progress(f"re-extracting {len(crawls)} stored WARC(s)")
    return archive_crawls(store, sites, crawls, run_id, "backfill", progress=progress)


def stored_warcs(
    store: Store, site_ids: Iterable[str], since: str | None = None, until: str | None = None,
) -> list[tuple[str, str]]:
    """(site id, key) of every stored WARC of these sites captured within the days given, oldest first."""
    wanted = set(site_ids)
    found = []
    for key in store.list(WARC_PREFIX):
        warc = parse_warc_key(key)
        if warc is None:
            continue
        day = warc.day.isoformat()
        if (since and day < since[:10]) or (until and day > until[:10]):
            continue
        site_id = warc.site_among(wanted)
        if site_id is not None:
            found.append((warc.name, site_id, key))
    return [(site_id, key) for _, site_id, key in sorted(found)]


def run_pipeline(
    store: Store, sites: list[Site], options: CrawlOptions, run_id: str | None = None, workers: int = 2,
    progress: Progress = lambda _: None, lease_wait_s: float = LEASE_WAIT_S, chunk_size: int = CHUNK_SITES,
) -> RunReport:
    """Crawl, ingest and publish, once, for the given sites, finishing first what a dead run left of them.

    The leases carry this process's id and are renewed while the run works, so a
    run killed on this machine frees its sites at once, and on another within
    the lease's expiry. Sites another live run holds are done last: after every
    other site is ingested and given back, waiting up to `lease_wait_s` for them.
    """
    run_id = run_id or new_run_id()
    sweep()  # scratch folders of killed runs
    report = RunReport(run_id=run_id, mode=options.mode, store=str(store),
                       started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    with Heartbeat(store) as heartbeat:
        leases = LeaseBook(store, run_id, pid=os.getpid(), heartbeat=heartbeat)
        first = crawl_sites(sites, store, run_id, options, workers=workers, progress=progress, leases=leases,
                            chunk_size=chunk_size)
        ingest_crawls(store, sites, [c for c in first if c is not None], report, leases, progress, workers)
        held = [site for site, crawl in zip(sites, first) if crawl is None]
        if held:
            progress(f"waiting for {len(held)} site(s) another run holds")
            later = crawl_sites(held, store, run_id, options, workers=workers, progress=progress, leases=leases,
                                lease_wait_s=lease_wait_s, chunk_size=chunk_size)
            ingest_crawls(store, sites, later, report, leases, progress, workers)
    order = {site.id: n for n, site in enumerate(sites)}
    report.sites.sort(key=lambda s: order.get(s.site_id, len(order)))
    return publish(store, report)


def run_id_for(scheduler_run_id: str, when: datetime) -> str:
    """A store-safe run id for a scheduler's run: its time plus a hash of the scheduler's id."""
    import hashlib

    digest = hashlib.sha256(scheduler_run_id.encode("utf-8")).hexdigest()[:4]
    return f"{when.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{digest}"
