"""A real Airflow (api-server, scheduler, dag-processor; LocalExecutor on SQLite) runs the nightly DAG.

Airflow 3 allows LocalExecutor with SQLite (SequentialExecutor is gone), and
tasks reach the database only through the api-server's execution API, so the
three processes share one SQLite file. The scheduler is told not to create
cron runs (`use_job_schedule=False`): the only run is the one triggered here.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.simweb_helpers import FAST, plan_urls, site_of_family
from tests.dags.test_dags import ROOT, airflow_cli, make_airflow_home, write_registry

RUN_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check, timeout: float, procs: dict, interval: float = 1.0):
    """Poll `check` until it returns a truthy value; fail naming `what` and any process that died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = {name: p.returncode for name, p in procs.items() if p.poll() is not None}
        assert not dead, f"Airflow process(es) exited while waiting for {what}: {dead}"
        value = check()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


def query(db: Path, sql: str, *args) -> list[tuple]:
    """Read Airflow's metadata database (SQLite allows readers beside the writers)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # a table not created yet, or locked for a moment
            return []


@pytest.fixture
def airflow(tmp_path, s3_store):
    """api-server, scheduler and dag-processor on loopback, stopped (process groups, SIGTERM) at the end.

    The store reaches the tasks the Airflow way, as the Variable `wjw_store` and the
    connection `wjw_s3` (here from AIRFLOW_VAR_/AIRFLOW_CONN_ variables), not as AWS_* variables.
    """
    home = tmp_path / "airflow"
    home.mkdir()
    port = free_port()
    env = {k: v for k, v in make_airflow_home(home).items() if not k.startswith("AWS_") and k != "WJW_STORE"}
    env |= {
        "AIRFLOW_VAR_WJW_STORE": s3_store.uri,
        "AIRFLOW_CONN_WJW_S3": json.dumps({
            "conn_type": "aws", "login": s3_store.env["AWS_ACCESS_KEY_ID"],
            "password": s3_store.env["AWS_SECRET_ACCESS_KEY"],
            "extra": {"endpoint_url": s3_store.env["AWS_ENDPOINT_URL"],
                      "region_name": s3_store.env.get("AWS_DEFAULT_REGION", "us-east-1")}}),
    }
    env |= {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
    procs: dict[str, subprocess.Popen] = {}
    logs = {}
    try:
        for name, args in (("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(port)]),
                           ("scheduler", ["scheduler"]), ("dag-processor", ["dag-processor"])):
            logs[name] = open(home / f"{name}.log", "wb")
            procs[name] = subprocess.Popen([airflow_cli(), *args], env=env, cwd=ROOT, stdout=logs[name],
                                           stderr=subprocess.STDOUT, start_new_session=True)
        yield {"env": env, "home": home, "db": home / "airflow.db", "procs": procs}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in procs.items():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for log in logs.values():
            log.close()


def log_tails(home: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}" for p in sorted(home.glob("*.log")))


def test_scheduler_runs_triggered_nightly_over_simweb_into_s3(airflow, simweb, s3_store, tmp_path):
    sites = [site_of_family(simweb, "trs"), site_of_family(simweb, "hanweb")]
    registry = write_registry(tmp_path / "sites.yaml",
                              [r for r in simweb.registry_rows() if r["id"] in {s.id for s in sites}])
    db, procs = airflow["db"], airflow["procs"]

    wait_for("the DAGs to be parsed", lambda: query(db, "select dag_id from dag where dag_id = 'wjw_nightly'"),
             120, procs)
    # One site per chunk: the two crawl tasks are mapped and both go through the pool.
    conf = {"registry": str(registry), "crawl_settings": dict(FAST), "chunk_size": 1}
    trigger = subprocess.run([airflow_cli(), "dags", "trigger", "wjw_nightly", "--conf", json.dumps(conf),
                              "--run-id", "manual__scheduler-test"], env=airflow["env"], capture_output=True,
                             text=True, timeout=120)
    assert trigger.returncode == 0, trigger.stderr[-3000:]

    def finished():
        rows = query(db, "select state from dag_run where dag_id = 'wjw_nightly' and run_id = ?",
                     "manual__scheduler-test")
        return rows and rows[0][0] in ("success", "failed") and rows[0][0]

    state = wait_for("the nightly run to finish", finished, RUN_TIMEOUT_S, procs, interval=2)
    assert state == "success", log_tails(airflow["home"])
    tasks = dict(query(db, "select task_id || '[' || map_index || ']', state from task_instance "
                           "where dag_id = 'wjw_nightly'"))
    assert tasks == {"plan_sites[-1]": "success", "crawl[0]": "success", "crawl[1]": "success",
                     "ingest[0]": "success", "ingest[1]": "success", "publish[-1]": "success",
                     "check[-1]": "success"}
    assert query(db, "select pool from task_instance where task_id = 'crawl'") == [("wjw_crawl",), ("wjw_crawl",)]

    latest = json.loads(s3_store.get("manifests/latest.json"))
    expected = set().union(*(plan_urls(simweb, s.id) for s in sites))
    assert latest["documents"] == len(expected)
    [(extra,)] = query(db, "select extra from asset_event")
    assert json.loads(extra)["manifest_key"] == latest["manifest_key"]
