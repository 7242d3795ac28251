"""Nightly crawl of every enabled site: plan → crawl (one mapped task per site) → archive.

Configuration only: the work is in `archive/` and `spiders/`, imported inside
the tasks so parsing this file stays cheap.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

DEFAULT_ARGS = {
    "owner": "wjw",
    "retries": 2,
    "retry_delay": pendulum.duration(minutes=5),
    "retry_exponential_backoff": True,
}


def _store_uri(params: dict) -> str:
    import os

    from airflow.sdk import Variable

    return params.get("store") or Variable.get("wjw_store", default=os.environ.get("WJW_STORE", "wjw-data"))


def _run_id() -> str:
    from archive.pipeline import run_id_for

    context = get_current_context()
    dag_run = context["dag_run"]
    return run_id_for(dag_run.run_id, dag_run.run_after)


@dag(
    dag_id="wjw_nightly",
    schedule="30 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["wjw", "crawl"],
    params={
        "store": Param("", type="string", description="Store URI; empty: Variable wjw_store or $WJW_STORE"),
        "registry": Param("", type="string", description="Site registry path; empty: the project's sites/"),
        "sites": Param([], type="array", description="Site ids; empty: every enabled site"),
        "mode": Param("nightly", enum=["nightly", "backfill"]),
    },
    doc_md=__doc__,
)
def wjw_nightly():
    """Crawl, extract, dedup and store every enabled site."""

    @task
    def plan_sites() -> list[dict]:
        """The registry rows to crawl tonight."""
        from archive.registry import DEFAULT_REGISTRY, load_sites, select_sites

        params = get_current_context()["params"]
        sites = select_sites(load_sites(params["registry"] or DEFAULT_REGISTRY), params["sites"])
        return [site.to_dict() for site in sites]

    @task(max_active_tis_per_dagrun=4)
    def crawl(site: dict) -> dict:
        """Crawl one site in its own process; a failed site is reported, not fatal to the others."""
        from archive.crawl import CrawlError, CrawlOptions, crawl_site
        from archive.records import Site
        from archive.store import open_store

        params = get_current_context()["params"]
        store = open_store(_store_uri(params))
        try:
            return crawl_site(Site.from_dict(site), store, _run_id(), CrawlOptions(mode=params["mode"])).to_dict()
        except CrawlError as exc:
            return {"site_id": site["id"], "failed": str(exc).splitlines()[0]}

    @task
    def archive(crawls: list[dict], sites: list[dict]) -> dict:
        """Ingest every WARC, write the manifest and the run report."""
        from archive.crawl import CrawlResult
        from archive.pipeline import archive_crawls
        from archive.records import Site, SiteReport
        from archive.store import open_store

        params = get_current_context()["params"]
        store = open_store(_store_uri(params))
        results = [SiteReport(site_id=c["site_id"], failed=c["failed"]) if "failed" in c else CrawlResult.from_dict(c)
                   for c in crawls]
        report = archive_crawls(store, [Site.from_dict(s) for s in sites], results, _run_id(), params["mode"])
        return {"run_id": report.run_id, "manifest_key": report.manifest_key, "documents": report.documents_total,
                "new": report.total("new"), "changed": report.total("changed"),
                "failed_sites": [s.site_id for s in report.sites if s.failed]}

    sites = plan_sites()
    archive(crawl.expand(site=sites), sites)


wjw_nightly()
