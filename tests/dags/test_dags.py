"""The DAGs load cleanly, and nightly and backfill run end to end under `dag.test()` over simweb and SeaweedFS.

Airflow runs in child processes with their own AIRFLOW_HOME, so its settings
and database never leak into the rest of the suite.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from archive.run.browser import RenderUnavailable, find_chromium
from archive.store.keys import log_key
from tests.simweb_helpers import FAST, plan_urls, site_of_family

ROOT = Path(__file__).resolve().parents[2]
DAG_IDS = {"wjw_nightly", "wjw_backfill", "wjw_export_parquet"}


def airflow_cli() -> str:
    """The `airflow` script beside this interpreter."""
    return str(Path(sys.executable).parent / "airflow")


def make_airflow_home(home: Path) -> dict:
    """Environment for an Airflow whose database is migrated and whose `wjw_crawl` pool exists."""
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    subprocess.run([airflow_cli(), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run([airflow_cli(), "pools", "set", "wjw_crawl", "4", "wjw: sites crawled at once"], env=env,
                   check=True, capture_output=True, timeout=120)
    return env


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory):
    """An AIRFLOW_HOME with a migrated SQLite database and the crawl pool, for child processes."""
    return make_airflow_home(tmp_path_factory.mktemp("airflow"))


def run_python(code: str, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def write_registry(path: Path, rows: list[dict]) -> Path:
    """A registry file of these rows, with no politeness delay (simweb is ours, on loopback)."""
    path.write_text(yaml.safe_dump([row | {"download_delay": 0} for row in rows], allow_unicode=True),
                    encoding="utf-8")
    return path


def chromium_available() -> bool:
    """Whether a browser can render here (under CI, which installs one, it must)."""
    try:
        find_chromium()
    except RenderUnavailable as exc:
        if os.environ.get("WJW_REQUIRE_CHROMIUM"):
            pytest.fail(f"CI installs Chromium (.ci/run), yet: {exc}")
        return False
    return True


def run_dags(env: dict, runs: list[tuple[str, dict]]) -> list[dict]:
    """`dag.test()` each (dag id, conf) in one child process; the states and the publish task's results."""
    code = f"""
import json
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session
bag = BundleDagBag(dag_folder=Path("dags").resolve(), bundle_path=Path("dags").resolve())
for dag_id, conf in {runs!r}:
    run = bag.get_dag(dag_id).test(run_conf=conf)
    with create_session() as session:
        row = session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, task_ids="publish",
                                                 key="return_value")).first()
        value = XComModel.deserialize_value(row) if row is not None else None
    tasks = {{ti.task_id: str(ti.state) for ti in run.get_task_instances() if ti.map_index < 0}}
    print("RESULT " + json.dumps({{"dag_id": dag_id, "state": str(run.state), "publish": value, "tasks": tasks}}))
"""
    proc = run_python(code, env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = [json.loads(line[len("RESULT "):]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(results) == len(runs), (proc.stdout[-2000:], proc.stderr[-4000:])
    return results


class _AlwaysFails(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b"<html><body>Internal Server Error</body></html>"
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class AlertHook:
    """A webhook on loopback that keeps what the alert notifier posts to it."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> AlertHook:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def broken_site_row(simweb):
    """A registry row for a site whose server answers 500 to every request (robots.txt included)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysFails)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    template = next(row for row in simweb.registry_rows() if row["id"] == site_of_family(simweb, "trs").id)
    yield template | {"id": "sim-down-wjw", "name": "停机卫生健康委员会", "base_url": base,
                      "columns": [{"name": "通知公告", "url": base + "tzgg/index.html"}]}
    server.shutdown()
    server.server_close()


def test_every_dag_loads_with_owner_tags_and_retries(airflow_env):
    code = """
import json
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
# As the dag-processor and the task runner do: the DAG folder is a bundle, importable (wjw_common).
bag = BundleDagBag(dag_folder=Path("dags").resolve(), bundle_path=Path("dags").resolve())
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": {d.dag_id: {"owner": d.default_args.get("owner"), "tags": sorted(d.tags),
                                      "retries": d.default_args.get("retries"),
                                      "task_retries": {t.task_id: t.retries for t in d.tasks}}
                           for d in bag.dags.values()}}))
"""
    proc = run_python(code, airflow_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}
    assert set(result["dags"]) == DAG_IDS
    for dag_id, facts in result["dags"].items():
        assert facts["owner"] and facts["tags"] and facts["retries"], dag_id
        assert all(facts["task_retries"].values()), (dag_id, facts["task_retries"])


def test_dag_files_do_no_work_at_import():
    """Parsing a DAG file imports neither the archive nor Scrapy: the scheduler parses them often."""
    code = """
import sys
sys.path.insert(0, "dags")
import wjw_nightly, wjw_backfill, wjw_export_parquet
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"archive", "spiders", "scrapy", "boto3", "pyarrow"})
print(heavy)
"""
    proc = run_python(code, {**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_nightly_archives_every_site_and_names_the_one_that_fails(airflow_env, simweb, s3_store, tmp_path,
                                                                  broken_site_row):
    sites = [site_of_family(simweb, "trs"), site_of_family(simweb, "hanweb")]
    rows = [row for row in simweb.registry_rows() if row["id"] in {s.id for s in sites}] + [broken_site_row]
    # The Hanweb row asks for a browser; with Chromium here the DAG's `render` param sends it through one.
    rendered = sites[1].id
    rows = [row | {"render": row["id"] == rendered} for row in rows]
    registry = write_registry(tmp_path / "sites.yaml", rows)
    conf = {"store": s3_store.uri, "registry": str(registry), "crawl_settings": dict(FAST),
            "render": chromium_available()}

    with AlertHook() as hook:
        alerts = {"AIRFLOW_CONN_WJW_ALERTS": json.dumps({"conn_type": "http", "host": hook.url})}
        [result] = run_dags(airflow_env | s3_store.env | alerts, [("wjw_nightly", conf)])

    # Everything that answered is published; the last task fails the run, visibly, and tells the operator.
    assert result["state"] == "failed"
    assert result["tasks"]["publish"] == "success" and result["tasks"]["check"] == "failed", result["tasks"]
    [alert] = hook.received
    assert alert["failed_sites"].keys() == {"sim-down-wjw"} and "FAILED sim-down-wjw" in alert["text"]
    assert "wjw runs show" in alert["text"]
    published = result["publish"]
    assert list(published["failed_sites"]) == ["sim-down-wjw"]
    assert "http_500" in published["failed_sites"]["sim-down-wjw"]
    report = json.loads(s3_store.get(published["report_key"]))
    by_site = {s["site_id"]: s for s in report["sites"]}
    assert set(by_site) == {s.id for s in sites} | {"sim-down-wjw"}
    down_log = gzip.decompress(s3_store.get(log_key(report["run_id"], "sim-down-wjw"))).decode()
    assert "sim-down-wjw" in down_log and "http_500" in down_log  # the crawl's own log, kept beside the report
    assert by_site["sim-down-wjw"]["errors"].get("http_500", 0) >= 1
    for site in sites:
        assert by_site[site.id]["failed"] is None and by_site[site.id]["new"] > 0, by_site[site.id]
        assert (by_site[site.id]["browser_requests"] > 0) == (conf["render"] and site.id == rendered)
    latest = json.loads(s3_store.get("manifests/latest.json"))
    expected = set().union(*(plan_urls(simweb, s.id) for s in sites))
    assert latest["documents"] == len(expected)
    assert {json.loads(s3_store.get(k))["site_id"] for k in s3_store.list("docs/")} == {s.id for s in sites}


def test_backfill_archives_exactly_the_years_asked_then_reextracts(airflow_env, simweb, s3_store, tmp_path):
    site = site_of_family(simweb, "trs")
    truth = [t for t in simweb.truth() if t["site_id"] == site.id and t["is_plan"] and not t["robots_disallowed"]]
    years = sorted({t["published"][:4] for t in truth})
    first, last = years[1], years[2]  # a range inside the site's history, so both ends are tested
    expected = {t["url"] for t in truth if first <= t["published"][:4] <= last}
    assert expected and expected != plan_urls(simweb, site.id)
    registry = write_registry(tmp_path / "sites.yaml", [r for r in simweb.registry_rows() if r["id"] == site.id])
    conf = {"store": s3_store.uri, "registry": str(registry), "crawl_settings": dict(FAST), "sites": [site.id],
            "since": f"{first}-01-01", "until": f"{last}-12-31"}
    again = conf | {"reextract": True, "since": None, "until": None}

    backfill, reextracted = run_dags(airflow_env | s3_store.env, [("wjw_backfill", conf), ("wjw_backfill", again)])

    assert backfill["state"] == "success", backfill
    assert backfill["tasks"]["check"] == "success"
    archived = {json.loads(s3_store.get(k))["source_url"] for k in s3_store.list("docs/")}
    assert archived == expected
    assert backfill["publish"]["new"] == len(expected) and not backfill["publish"]["failed_sites"]
    assert reextracted["state"] == "success", reextracted
    assert reextracted["publish"]["new"] == 0 and reextracted["publish"]["documents"] == len(expected)
    report = json.loads(s3_store.get(reextracted["publish"]["report_key"]))
    assert [s["warc_key"] for s in report["sites"]] == list(s3_store.list("warc/"))
