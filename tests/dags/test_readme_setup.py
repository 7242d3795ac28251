"""The README's Airflow setup, run as written in a fresh AIRFLOW_HOME: the DAGs list, unpause and take a trigger."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAG_IDS = {"wjw_nightly", "wjw_backfill", "wjw_export_parquet"}


def setup_block() -> str:
    """The shell block that follows the README's 'Setup, once per Airflow installation'."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index("Setup, once per Airflow installation"):]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


@pytest.mark.timeout(1800)  # a dozen Airflow CLI starts, each a few seconds even on an idle machine
def test_the_readme_airflow_setup_works_as_written(tmp_path):
    block = setup_block()
    assert "airflow dags unpause wjw_nightly" in block and "airflow dags list --local" in block
    home = tmp_path / "airflow"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AIRFLOW__CORE__DAGS_FOLDER")}
    env |= {"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "No module named" not in proc.stdout + proc.stderr
    listed = {line.split("|")[0].strip() for line in proc.stdout.splitlines() if "|" in line}
    assert DAG_IDS <= listed, proc.stdout[-3000:]
    with sqlite3.connect(home / "airflow.db") as db:
        paused = dict(db.execute("select dag_id, is_paused from dag where dag_id like 'wjw_%'"))
        triggered = db.execute("select count(*) from dag_run where dag_id = 'wjw_backfill'").fetchone()[0]
        pool = db.execute("select slots from slot_pool where pool = 'wjw_crawl'").fetchone()
    assert paused["wjw_nightly"] == 0 and paused["wjw_backfill"] == 0
    assert triggered == 1 and pool == (4,)
