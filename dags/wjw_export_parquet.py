"""Consumer example: whenever a run publishes a manifest, export that corpus as Parquet.

Scheduled on the manifest Asset, so it runs after each nightly or backfill run
that archives, and exports exactly the manifest that run published (the
Asset event's `run_id`). The file lands in `<export_dir>/<run_id>/corpus.parquet`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from wjw_common import COMMON_PARAMS, DEFAULT_ARGS, MANIFEST_ASSET, open_run_store


@task
def export_parquet() -> dict:
    """Write the corpus of the manifest that triggered this run as one Parquet file."""
    import os
    from pathlib import Path

    from airflow.sdk import Variable

    from archive.corpus.export import export_corpus

    context = get_current_context()
    params = context["params"]
    events = [e for batch in (context.get("triggering_asset_events") or {}).values() for e in batch]
    extra = events[-1].extra if events else {}
    run_id = params.get("run_id") or extra.get("run_id")
    # The producer's store, unless told otherwise: the export must read the corpus the event announced.
    store = open_run_store({**params, "store": params.get("store") or extra.get("store") or ""})
    root = params.get("export_dir") or Variable.get("wjw_export_dir", default=os.environ.get("WJW_EXPORT_DIR",
                                                                                               "wjw-export"))
    out_dir = Path(root) / (run_id or "latest")
    result = export_corpus(store, out_dir, "parquet", run_id)
    return {"run_id": run_id, "documents": result.documents, "files": [str(f) for f in result.files]}


@dag(
    dag_id="wjw_export_parquet",
    schedule=[MANIFEST_ASSET],
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["wjw", "export", "consumer"],
    params={
        "store": COMMON_PARAMS["store"],
        "run_id": Param("", type="string", title="Run id",
                        description="Export the corpus as of this run; empty: the triggering run, else the latest."),
        "export_dir": Param("", type="string", title="Export directory",
                            description="Empty: Variable wjw_export_dir, else $WJW_EXPORT_DIR, else wjw-export."),
    },
    doc_md=__doc__,
)
def wjw_export_parquet():
    """Export each published manifest as Parquet."""
    export_parquet()


wjw_export_parquet()
