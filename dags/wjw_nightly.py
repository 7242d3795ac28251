"""Nightly crawl of every enabled site: plan → crawl (mapped, pooled) → ingest (mapped) → publish the manifest.

Configuration only: the tasks live in `wjw_common`, and the work in `archive/`
and `spiders/`, imported inside the tasks so parsing this file stays cheap.
A site that fails is named in the run report (`runs/<run_id>/report.json`,
`failed`) and never stops the others from being archived.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag

from wjw_common import COMMON_PARAMS, DEFAULT_ARGS, check, crawl, ingest, plan_sites, publish


@dag(
    dag_id="wjw_nightly",
    schedule="30 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["wjw", "crawl"],
    params={
        **COMMON_PARAMS,
        "sites": Param([], type="array", items={"type": "string"}, title="Sites",
                       description="Site ids; empty: every enabled site."),
        "mode": Param("nightly", enum=["nightly", "backfill"], title="Mode",
                      description="nightly stops paging at what is known; backfill walks whole columns."),
    },
    doc_md=__doc__,
)
def wjw_nightly():
    """Crawl, extract, dedup and store every enabled site."""
    chunks = plan_sites()
    check(publish(ingest.expand(crawls=crawl.expand(chunk=chunks)), chunks))


wjw_nightly()
