"""Scale-out on the real engine: Airflow's CeleryExecutor (Redis, PostgreSQL, two workers) runs the nightly DAG.

Everything runs on loopback, from Debian's and PyPI's packages, as the
production stack of docker-compose.yml does in containers: PostgreSQL holds
Airflow's metadata, Redis is the Celery broker, two `airflow celery worker`
processes take the tasks, SeaweedFS is the store. The nightly DAG is
triggered over simweb sites; the corpus it publishes is compared with the one
`wjw run` publishes over the same sites into a second store.

    apt-get install redis-server postgresql     # once; the benchmark says so when they are missing
    uv run --extra production python bench/celery.py [--sites 8]

Prints the figures, writes bench/results/celery.json, and ends with one line:
`celery_identical=<0|1> documents=N workers_used=N tasks=N wall_s=… wjw_run_s=…`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.corpus.manifest import read_manifest  # noqa: E402
from archive.registry import sites_from_rows  # noqa: E402
from archive.run.crawl import CrawlOptions  # noqa: E402
from archive.run.pipeline import run_pipeline  # noqa: E402
from archive.store import open_store  # noqa: E402
from simweb import LOOPBACK_CRAWL_SETTINGS, SimWeb, build_world  # noqa: E402
from testkit.seaweed import SeaweedServer  # noqa: E402

RUN_TIMEOUT_S = 900
AIRFLOW = str(Path(sys.executable).parent / "airflow")


def free_port() -> int:
    """A TCP port nothing listens on, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def need(condition: bool, message: str) -> None:
    """Stop with one line when the machine lacks a part."""
    if not condition:
        print(f"bench/celery.py: {message}", file=sys.stderr)
        sys.exit(2)


def postgres_bin() -> Path:
    """The directory of Debian's PostgreSQL server binaries (initdb, pg_ctl)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    need(bool(found), "PostgreSQL server not found: apt-get install postgresql")
    return found[-1].parent


class Services:
    """PostgreSQL and Redis on loopback ports, in a scratch directory, stopped at the end."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.pg_port, self.redis_port = free_port(), free_port()
        self.procs: list[subprocess.Popen] = []
        self.pg_data = work / "pg"
        self._as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root

    def _pg(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [str(postgres_bin() / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120, **kwargs)

    def start(self) -> None:
        """initdb, start PostgreSQL and Redis, create Airflow's database."""
        need(shutil.which("redis-server") is not None, "redis-server not found: apt-get install redis-server")
        self.pg_data.mkdir()
        if self._as_postgres:
            shutil.chown(self.work, "postgres")
            shutil.chown(self.pg_data, "postgres")
        self._pg("initdb", "-D", str(self.pg_data), "-U", "airflow", "--auth=trust")
        self._pg("pg_ctl", "-D", str(self.pg_data), "-l", str(self.pg_data / "server.log"), "-w", "-o",
                 f"-c listen_addresses=127.0.0.1 -c port={self.pg_port} -c unix_socket_directories={self.pg_data}",
                 "start")
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "airflow", "airflow")
        self.procs.append(subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=open(self.work / "redis.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.redis_port)) == 0:
                    return
            time.sleep(0.2)
        need(False, f"redis-server did not listen on 127.0.0.1:{self.redis_port}")

    def query(self, sql: str) -> list[tuple]:
        """Read Airflow's metadata database."""
        import psycopg2

        with psycopg2.connect(host="127.0.0.1", port=self.pg_port, user="airflow", dbname="airflow") as conn:
            with conn.cursor() as cursor:
                try:
                    cursor.execute(sql)
                except psycopg2.Error:  # a table not created yet
                    return []
                return cursor.fetchall()

    def stop(self) -> None:
        """Stop Redis and PostgreSQL."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
        if (self.pg_data / "postmaster.pid").exists():
            self._pg("pg_ctl", "-D", str(self.pg_data), "-m", "fast", "-w", "stop")


def airflow_env(home: Path, services: Services, seaweed: SeaweedServer, bucket: str, api_port: int) -> dict:
    """Airflow on the CeleryExecutor, metadata in PostgreSQL, broker Redis; the store as Variable and connection."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIRFLOW")) and k != "WJW_STORE"}
    pg = f"airflow@127.0.0.1:{services.pg_port}/airflow"
    s3 = seaweed.env
    return env | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{pg}",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{services.redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{pg}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW_VAR_WJW_STORE": f"s3://{bucket}",
        "AIRFLOW_CONN_WJW_S3": json.dumps({
            "conn_type": "aws", "login": s3["AWS_ACCESS_KEY_ID"], "password": s3["AWS_SECRET_ACCESS_KEY"],
            "extra": {"endpoint_url": s3["AWS_ENDPOINT_URL"], "region_name": s3.get("AWS_DEFAULT_REGION", "us-east-1")}}),
    }


def airflow_cli(env: dict, *args: str, timeout: int = 300) -> str:
    """Run one `airflow` command; its output, or stop naming the command."""
    done = subprocess.run([AIRFLOW, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    need(done.returncode == 0, f"airflow {' '.join(args[:3])} failed: {(done.stderr or done.stdout)[-1500:]}")
    return done.stdout


def corpus(store) -> dict[str, str]:
    """doc id → text hash of the latest manifest."""
    return {line["record"]["doc_id"]: line["record"]["text_sha256"] for line in read_manifest(store)}


def main() -> None:
    """Run both, compare, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=8, help="simweb sites to crawl (default 8)")
    args = parser.parse_args()
    if not (importlib.util.find_spec("airflow.providers.celery") and importlib.util.find_spec("psycopg2")):
        need(False, "the production extra is not installed: uv run --extra production python bench/celery.py")
    work = Path(tempfile.mkdtemp(prefix="wjw-celery-"))
    services = Services(work)
    procs: dict[str, subprocess.Popen] = {}
    figures: dict = {}
    try:
        services.start()
        with SeaweedServer(work / "s3") as seaweed, SimWeb(build_world(), day=0, port=free_port()) as web:
            seaweed.create_bucket("celery")
            seaweed.create_bucket("serial")
            rows = [row | {"download_delay": 0} for row in web.registry_rows()][:args.sites]
            registry = work / "sites.yaml"
            registry.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
            home = work / "airflow"
            home.mkdir()
            api_port = free_port()
            env = airflow_env(home, services, seaweed, "celery", api_port)
            airflow_cli(env, "db", "migrate", timeout=600)
            airflow_cli(env, "pools", "set", "wjw_crawl", "4", "wjw: sites crawled at once")
            logs = {}
            commands = {"api-server": ["api-server", "--host", "127.0.0.1", "--port", str(api_port)],
                        "scheduler": ["scheduler"], "dag-processor": ["dag-processor"],
                        "worker-1": ["celery", "worker", "--celery-hostname", "wjw-worker-1@%h", "--concurrency", "2"],
                        "worker-2": ["celery", "worker", "--celery-hostname", "wjw-worker-2@%h", "--concurrency", "2"]}
            for name, command in commands.items():
                logs[name] = work / f"{name}.log"
                procs[name] = subprocess.Popen([AIRFLOW, *command], env=env, cwd=ROOT, stdout=open(logs[name], "wb"),
                                               stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + 180
            while not services.query("select dag_id from dag where dag_id = 'wjw_nightly'"):
                need(time.monotonic() < deadline, "the DAGs were not parsed within 180 s")
                time.sleep(3)
            conf = {"registry": str(registry), "crawl_settings": dict(LOOPBACK_CRAWL_SETTINGS)}
            started = time.monotonic()
            airflow_cli(env, "dags", "trigger", "wjw_nightly", "--conf", json.dumps(conf), "--run-id", "manual__celery")
            state = None
            while time.monotonic() - started < RUN_TIMEOUT_S:
                dead = [n for n, p in procs.items() if p.poll() is not None]
                need(not dead, f"{', '.join(dead)} exited; see {work}")
                found = services.query("select state from dag_run where dag_id = 'wjw_nightly' and run_id = 'manual__celery'")
                state = found[0][0] if found else None
                if state in ("success", "failed"):
                    break
                time.sleep(5)
            wall = time.monotonic() - started
            tasks = services.query("select task_id, map_index, state from task_instance "
                                   "where dag_id = 'wjw_nightly' and run_id = 'manual__celery'")
            # Which worker ran what: a worker logs "Executing workload in Celery" for each task it runs.
            executed = {name: logs[name].read_text(errors="replace").count("Executing workload in Celery")
                        for name in ("worker-1", "worker-2")}
            os.environ.update(seaweed.env)
            celery_corpus = corpus(open_store("s3://celery"))
            serial_store = open_store("s3://serial")
            t0 = time.monotonic()
            run_pipeline(serial_store, sites_from_rows(rows), CrawlOptions(mode="nightly", settings=LOOPBACK_CRAWL_SETTINGS))
            serial_s = time.monotonic() - t0
            serial_corpus = corpus(serial_store)
            figures = {
                "sites": len(rows), "state": state, "tasks": len(tasks),
                "task_states": {f"{task}[{index}]": task_state for task, index, task_state in tasks},
                "executed_per_worker": executed, "workers_used": sum(1 for n in executed.values() if n),
                "documents": len(celery_corpus), "documents_wjw_run": len(serial_corpus),
                "celery_identical": int(state == "success" and celery_corpus == serial_corpus and bool(celery_corpus)),
                "wall_s": round(wall, 1), "wjw_run_s": round(serial_s, 1),
            }
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        services.stop()
        if figures.get("celery_identical"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"bench/celery.py: logs kept in {work}", file=sys.stderr)
    for name, value in figures.items():
        print(f"{name:>22}: {value}")
    out = ROOT / "bench" / "results" / "celery.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(f"celery_identical={figures.get('celery_identical', 0)} documents={figures.get('documents', 0)} "
          f"workers_used={figures.get('workers_used', 0)} tasks={figures.get('tasks', 0)} "
          f"wall_s={figures.get('wall_s')} wjw_run_s={figures.get('wjw_run_s')}")


if __name__ == "__main__":
    main()
