"""The DAGs load cleanly, and the nightly DAG runs end to end under `dag.test()`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory):
    """An AIRFLOW_HOME with a migrated SQLite database, for child processes."""
    home = tmp_path_factory.mktemp("airflow")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return env


def run_python(code: str, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_every_dag_loads_with_owner_tags_and_retries(airflow_env):
    code = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag()
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": {d.dag_id: {"owner": d.default_args.get("owner"), "tags": sorted(d.tags),
                                      "retries": d.default_args.get("retries")} for d in bag.dags.values()}}))
"""
    proc = run_python(code, airflow_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}
    assert "wjw_nightly" in result["dags"]
    for dag_id, facts in result["dags"].items():
        assert facts["owner"] and facts["tags"] and facts["retries"], dag_id


def test_nightly_dag_runs_over_simweb_into_s3(airflow_env, simweb, s3_store, tmp_path):
    from tests.simweb_helpers import plan_urls, site_of_family

    sites = [site_of_family(simweb, "trs"), site_of_family(simweb, "hanweb")]
    registry = tmp_path / "sites.yaml"
    rows = [row | {"download_delay": 0} for row in simweb.registry_rows() if row["id"] in {s.id for s in sites}]
    registry.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    conf = {"store": s3_store.uri, "registry": str(registry), "sites": [], "mode": "backfill"}
    code = f"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
dag = DagBag().get_dag("wjw_nightly")
run = dag.test(run_conf={conf!r})
print("STATE", run.state)
"""
    env = airflow_env | s3_store.env
    proc = run_python(code, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "STATE success" in proc.stdout, (proc.stdout[-2000:], proc.stderr[-3000:])
    latest = json.loads(s3_store.get("manifests/latest.json"))
    expected = set().union(*(plan_urls(simweb, s.id) for s in sites))
    assert latest["documents"] == len(expected)
    assert len(list(s3_store.list("warc/"))) == 2
