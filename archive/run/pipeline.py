"""The whole pipeline once: crawl each site, ingest its WARC, publish a manifest.

The CLI (`wjw run`) and the Airflow DAGs call these same functions.
"""

from __future__ import annotations

import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Callable, Iterable

from archive.corpus.health import BASELINE_RUNS, QUIET_RUNS, load_reports, site_health
from archive.corpus.manifest import write_manifest
from archive.dedup.index import DedupIndex
from archive.records import CrawlSummary, RunReport, Site, SiteReport
from archive.run.crawl import CrawlError, CrawlOptions, CrawlResult, crawl_site
from archive.run.ingest import ingest_warc, relink_clusters
from archive.store import Store
from archive.store.keys import WARC_PREFIX, parse_warc_key, report_key

Progress = Callable[[str], None]

def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: 20261124T060000Z-1a2b."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def crawl_sites(
    sites: Iterable[Site], store: Store, run_id: str, options: CrawlOptions, workers: int = 2,
    progress: Progress = lambda _: None,
) -> list[CrawlResult | SiteReport]:
    """Crawl sites, `workers` processes at a time; a failed site becomes a SiteReport naming why."""

    def one(site: Site) -> CrawlResult | SiteReport:
        try:
            result = crawl_site(site, store, run_id, options)
        except CrawlError as exc:
            progress(f"{site.id}: crawl failed")
            return SiteReport(site_id=site.id, failed=str(exc).splitlines()[0])
        progress(f"{site.id}: crawled")
        return result

    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        return list(pool.map(one, sites))
    finally:
        # On Ctrl-C start no further site; the running ones finish (their crawl got the same SIGINT).
        pool.shutdown(wait=True, cancel_futures=True)


def archive_crawls(
    store: Store, sites: Iterable[Site], crawls: Iterable[CrawlResult | SiteReport], run_id: str, mode: str,
    started_at: str | None = None, progress: Progress = lambda _: None,
) -> RunReport:
    """Ingest every crawl's WARC, then write the manifest and the run report."""
    by_id = {site.id: site for site in sites}
    report = RunReport(run_id=run_id, mode=mode, store=str(store),
                       started_at=started_at or datetime.now(timezone.utc).isoformat(timespec="seconds"))
    index = DedupIndex.from_store(store)
    for crawl in crawls:
        if isinstance(crawl, SiteReport):
            report.sites.append(crawl)
            continue
        site_report = site_report_from_summary(crawl)
        # Older records are relinked once, after every site is in, so a record
        # gains at most one new version per run however many copies arrive.
        ingest_started = time.monotonic()
        ingest_warc(store, by_id[crawl.site_id], crawl.warc_key, index, site_report, relink=False)
        site_report.seconds["ingest"] = round(time.monotonic() - ingest_started, 2)
        report.sites.append(site_report)
        progress(f"{crawl.site_id}: {site_report.new} new, {site_report.changed} changed, "
                 f"{sum(site_report.errors.values())} errors")
    relink_clusters(store, index, {s.site_id: s for s in report.sites})
    report.manifest_key, report.documents_total = write_manifest(store, run_id)
    report.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    report.health_flags = health_flags(store, report)
    store.put(report_key(run_id), json.dumps(report.to_dict(), ensure_ascii=False, indent=1).encode("utf-8"),
              content_type="application/json")
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
    progress: Progress = lambda _: None,
) -> RunReport:
    """Crawl, ingest and publish, once, for the given sites."""
    run_id = run_id or new_run_id()
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    crawls = crawl_sites(sites, store, run_id, options, workers=workers, progress=progress)
    return archive_crawls(store, sites, crawls, run_id, options.mode, started_at=started, progress=progress)


def run_id_for(scheduler_run_id: str, when: datetime) -> str:
    """A store-safe run id for a scheduler's run: its time plus a hash of the scheduler's id."""
    import hashlib

    digest = hashlib.sha256(scheduler_run_id.encode("utf-8")).hexdigest()[:4]
    return f"{when.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{digest}"
