"""What the wjw DAGs share: defaults, the manifest Asset, the crawl pool and chunks, and the five crawl-run tasks.

A run is plan_sites → crawl (mapped over chunks of sites) → ingest (mapped
over the crawl tasks' results: each reads its chunk's WARCs, the CPU-heavy
extraction, into the store) → publish (the light, ordered commit of what the
ingest tasks read, then relink, manifest and run report) → check.

Configuration and wiring only. Each task body imports `archive` when it runs,
so parsing a DAG file costs no more than importing Airflow's SDK; the Airflow
lookups (Variable `wjw_store`, connection `wjw_s3`) happen here and reach
`archive` as plain values.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, get_current_context, task
from airflow.sdk.definitions.context import Context

DEFAULT_ARGS = {
    "owner": "wjw",
    "retries": 2,
    "retry_delay": pendulum.duration(minutes=2),
    # 2 min, 4 min, …: a site's server that hiccups usually recovers in minutes.
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": pendulum.duration(hours=1),
}

# Caps how many crawl processes (each a chunk of sites) run at once across all runs (and both DAGs):
# create it with `airflow pools set wjw_crawl 4 "wjw: sites crawled at once"`.
CRAWL_POOL = "wjw_crawl"

# Sites one crawl task serves in one Scrapy process by default: Python and Scrapy start once per chunk
# (about 2 s), so a night's cost grows with its pages rather than its sites; archive.run.pipeline.CHUNK_SITES.
CHUNK_SITES = 32

# A DAG run's hold on a site, from its crawl task to its publish task (which gives it back).
LEASE_TTL = pendulum.duration(hours=6)

# Published by every run that archives; the consumer DAG is scheduled on it.
MANIFEST_ASSET = Asset(name="wjw_manifest", uri="wjw://manifests/latest", group="wjw")

STORE_CONNECTION = "wjw_s3"
STORE_VARIABLE = "wjw_store"

COMMON_PARAMS = {
    "store": Param("", type="string", title="Store",
                   description="Store URI; empty: Variable wjw_store, else $WJW_STORE."),
    "registry": Param("", type="string", title="Site registry",
                      description="A registry directory or YAML file; empty: the project's sites/."),
    "crawl_settings": Param({}, type="object", title="Scrapy settings",
                            description="Scrapy setting overrides for every site, e.g. {\"LOG_LEVEL\": \"INFO\"}."),
    "chunk_size": Param(CHUNK_SITES, type="integer", minimum=1, title="Sites per crawl task",
                        description="Sites one crawl task serves in one Scrapy process; more sites share a "
                                    "chunk beyond core.max_map_length tasks."),
    "render": Param(False, type="boolean", title="Render with Chromium",
                    description="Send the pages of sites marked render: true through Chromium (needs "
                                "`apt-get install chromium` on the workers); off: they are crawled plainly."),
}


def store_settings(params: dict):
    """The store to use and how to reach it: DAG param, then Airflow (Variable, connection), then environment."""
    from airflow.sdk import Connection, Variable
    from airflow.sdk.exceptions import AirflowNotFoundException

    from archive.config import StoreSettings

    settings = StoreSettings.from_env()
    try:
        conn = Connection.get(STORE_CONNECTION)
    except AirflowNotFoundException:  # no such connection: the environment's AWS settings stand
        conn = None
    if conn is not None:
        extra = conn.extra_dejson or {}
        settings = settings.with_overrides(endpoint_url=extra.get("endpoint_url") or conn.host,
                                           access_key_id=conn.login, secret_access_key=conn.password,
                                           region=extra.get("region_name"))
    uri = params.get("store") or Variable.get(STORE_VARIABLE, default=None)
    return settings.with_overrides(uri=uri)


def open_run_store(params: dict):
    """The run's store, opened with the resolved settings."""
    from archive.config import open_configured_store

    return open_configured_store(store_settings(params))


def archive_run_id(context: Context) -> str:
    """The store's id for this DAG run: stable across retries, so a retried task rewrites, not duplicates."""
    from archive.run.pipeline import run_id_for

    dag_run = context["dag_run"]
    return run_id_for(dag_run.run_id, dag_run.run_after)


def chunk_rows(rows: list[dict], limit: int, size: int = CHUNK_SITES) -> list[list[dict]]:
    """The rows in chunks of at most `size` (evenly filled), or more per chunk when `limit` mapped tasks would not do."""
    from archive.run.pipeline import even_chunks

    if not rows:
        return []
    return even_chunks(rows, min(max(1, limit), -(-len(rows) // max(1, size))))


@task
def plan_sites() -> list[list[dict]]:
    """The registry rows to crawl, in chunks of `chunk_size` sites, at most `max_map_length` mapped tasks."""
    from airflow.sdk.configuration import conf

    from archive.registry import DEFAULT_REGISTRY, load_sites, select_sites

    params = get_current_context()["params"]
    if params.get("reextract"):
        return []  # nothing to crawl: publish re-reads the stored WARCs
    sites = select_sites(load_sites(params["registry"] or DEFAULT_REGISTRY), params.get("sites") or [])
    return chunk_rows([site.to_dict() for site in sites], conf.getint("core", "max_map_length"),
                      int(params.get("chunk_size") or CHUNK_SITES))


@task(pool=CRAWL_POOL, execution_timeout=pendulum.duration(hours=4))
def crawl(chunk: list[dict]) -> list[dict]:
    """Crawl a chunk of sites in one process, each under its lease; a site still failing on the last try is reported."""
    from archive.records import Site, SiteReport
    from archive.run.crawl import CrawlOptions
    from archive.run.pipeline import LeaseBook, crawl_leased

    context = get_current_context()
    params, ti = context["params"], context["ti"]
    store = open_run_store(params)
    options = CrawlOptions(mode=params.get("mode", "nightly"), since=params.get("since") or None,
                           until=params.get("until") or None, max_pages=params.get("max_pages") or None,
                           render=bool(params.get("render")),
                           settings=tuple(sorted((params.get("crawl_settings") or {}).items())))
    # Leases outlive this task (publish gives them back) and are not renewed: a dead run's expire.
    leases = LeaseBook(store, archive_run_id(context), ttl=LEASE_TTL)
    sites = [Site.from_dict(row) for row in chunk]
    try:
        # A site another run holds is not waited for: this task holds the chunk's other sites until publish,
        # and two runs each waiting for the other's would never end. It is skipped, counted, for tomorrow.
        outcomes = crawl_leased(sites, store, leases.run_id, options, leases, wait_s=0)
    finally:
        for site in sites:
            stream_crawl_log(store, leases.run_id, site.id)
    failed = [o.failed for o in outcomes if isinstance(o, SiteReport) and o.failed]
    if failed and ti.try_number <= ti.max_tries:
        raise RuntimeError("; ".join(failed))  # Airflow retries the chunk after a backoff
    results = []
    for site, outcome in zip(sites, outcomes):
        if outcome is None:
            results.append({"site_id": site.id, "failed": None, "skipped": {"leased_by_other_run": 1}})
        elif isinstance(outcome, SiteReport):
            results.append({"site_id": site.id, "failed": outcome.failed, "skipped": outcome.skipped})
        else:
            results.append(outcome.to_dict())
    return results


def stream_crawl_log(store, run_id: str, site_id: str) -> None:
    """Copy a site's crawl log, kept in the store, into this task's log, so the Airflow UI shows it."""
    import logging

    from archive.run.logs import log_lines

    log = logging.getLogger("wjw.crawl")
    for line in log_lines(store, run_id, site_id):
        log.info("[%s] %s", site_id, line)


@task(execution_timeout=pendulum.duration(hours=4))
def ingest(crawls: list[dict] | None) -> list[dict] | None:
    """Read one crawl task's WARCs (decode, extract, classify, sign) into the store; its crawl results, unchanged.

    The mapped ingest scales out over workers however many sites a night has;
    publish then commits the readings in the sites' order, so the corpus is the
    one a serial ingest makes. A WARC this task cannot read is left to publish,
    which reads it again and names the fault on its site.
    """
    import logging

    from archive.records import SiteReport
    from archive.registry import DEFAULT_REGISTRY, load_sites
    from archive.run.pipeline import read_crawls

    context = get_current_context()
    params = context["params"]
    results = _crawl_results(crawls or [])
    sites = {site.id: site for site in load_sites(params["registry"] or DEFAULT_REGISTRY)}
    wanted = [r for r in results if not isinstance(r, SiteReport) and r.site_id in sites]
    log = logging.getLogger("wjw.ingest")
    kept = read_crawls(open_run_store(params), [sites[r.site_id] for r in wanted], wanted, archive_run_id(context),
                       progress=log.info)
    log.info("read %d WARC(s) of %d site(s) for publish to commit", len(kept), len(wanted))
    return crawls


def _crawl_results(done: list[dict]) -> list:
    """The crawl tasks' results as records: a crawl, or the report of a site that failed or was skipped."""
    from archive.records import SiteReport
    from archive.run.crawl import CrawlResult

    return [SiteReport(site_id=c["site_id"], failed=c["failed"], skipped=c.get("skipped") or {})
            if "failed" in c else CrawlResult.from_dict(c) for c in done]


@task
def check(summary: dict) -> dict:
    """The run's last word: tell the operator about failed and flagged sites, and fail the run if any site failed.

    Publishing archives whatever the sites that answered gave; this task makes
    a night with failed sites a failed DAG run in the UI, instead of a green
    one nobody reads.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from wjw_alerts import OperatorAlert, alert_text

    failed = summary.get("failed_sites") or {}
    if failed or summary.get("health_flags"):
        OperatorAlert(summary).notify(get_current_context())
    if failed:
        # No retry: the sites failed in crawl, a retry here would only send the alert again.
        raise AirflowFailException(alert_text(summary))
    return summary


@task(outlets=[MANIFEST_ASSET], trigger_rule="all_done")
def publish(crawls, chunks: list[list[dict]]) -> dict:
    """Commit what the ingest tasks read (or re-read the stored WARCs), relink, publish the manifest, write the report."""
    from archive.run.pipeline import archive_crawls, reextract
    from archive.store.keys import report_key
    from archive.records import Site, SiteReport
    from archive.registry import DEFAULT_REGISTRY, load_sites, select_sites

    context = get_current_context()
    params = context["params"]
    store = open_run_store(params)
    run_id = archive_run_id(context)
    if params.get("reextract"):
        sites = select_sites(load_sites(params["registry"] or DEFAULT_REGISTRY), params.get("sites") or [])
        report = reextract(store, sites, run_id, params.get("since") or None, params.get("until") or None)
    else:
        sites = [Site.from_dict(row) for chunk in chunks or [] for row in chunk]
        done = [c for chunk in (crawls or []) if chunk for c in chunk]
        # A chunk whose crawl or ingest task failed on every try left no results: its sites are named, not dropped.
        lost = {s.id for s in sites} - {c["site_id"] for c in done}
        results = _crawl_results(done)
        results += [SiteReport(site_id=site_id, failed="crawl or ingest task failed on every try; see their logs")
                    for site_id in sorted(lost)]
        report = archive_crawls(store, sites, results, run_id, params.get("mode", "nightly"), read_by_tasks=True)
    failed = {s.site_id: s.failed for s in report.sites if s.failed}
    context["outlet_events"][MANIFEST_ASSET].extra = {
        "store": report.store, "run_id": report.run_id, "manifest_key": report.manifest_key,
        "documents": report.documents_total,
    }
    return {"run_id": report.run_id, "report_key": report_key(report.run_id), "manifest_key": report.manifest_key,
            "documents": report.documents_total, "new": report.total("new"), "changed": report.total("changed"),
            "failed_sites": failed, "health_flags": report.health_flags}
