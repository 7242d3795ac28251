"""Backfill, triggered by hand: crawl chosen sites' whole column history within a date range, or re-extract.

`since`/`until` bound the date a document is listed under (its publication
date). With `reextract`, nothing is fetched: the stored WARCs of the sites,
captured within `since`/`until`, are extracted again (after an extractor
improvement) and published as a run.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag

from wjw_common import COMMON_PARAMS, DEFAULT_ARGS, check, crawl, ingest, plan_sites, publish


@dag(
    dag_id="wjw_backfill",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["wjw", "crawl", "backfill"],
    params={
        **COMMON_PARAMS,
        "sites": Param([], type="array", items={"type": "string"}, title="Sites",
                       description="Site ids; empty: every enabled site."),
        "since": Param(None, type=["null", "string"], format="date", title="Since",
                       description="Only documents listed on or after this day (YYYY-MM-DD)."),
        "until": Param(None, type=["null", "string"], format="date", title="Until",
                       description="Only documents listed on or before this day (YYYY-MM-DD)."),
        "max_pages": Param(None, type=["null", "integer"], minimum=1, title="Max list pages",
                           description="List pages per column at most; empty: the spider's limit."),
        "reextract": Param(False, type="boolean", title="Re-extract stored WARCs",
                           description="Fetch nothing: extract the stored WARCs captured between since and until."),
        "mode": Param("backfill", const="backfill", title="Mode"),
    },
    doc_md=__doc__,
)
def wjw_backfill():
    """Crawl (or re-extract) the chosen sites over a date range and publish the result."""
    chunks = plan_sites()
    check(publish(ingest.expand(crawls=crawl.expand(chunk=chunks)), chunks))


wjw_backfill()
