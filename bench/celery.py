"""Scale-out on the real engine: Airflow's CeleryExecutor (Redis, PostgreSQL, two workers) runs the nightly DAG.

Everything runs on 127.0.0.1, from Debian's and PyPI's packages, as the
production stack of docker-compose.yml does in containers: PostgreSQL holds
Airflow's metadata, Redis is the Celery broker, two `airflow celery worker`
processes take the tasks, SeaweedFS is the store. Each worker runs in its own
UTS namespace under its own host name, as it would on its own machine, so
Airflow's task instances record which worker ran each task. The nightly DAG
is triggered over simweb sites; the corpus it publishes is compared with the
one `wjw run` publishes over the same sites into a second bucket.

    apt-get install redis-server postgresql     # once; the benchmark says so when they are missing
    uv run --extra production python bench/celery.py [--sites 8]

Prints the figures, writes bench/results/celery.json, and ends with one line:
`celery_identical=<0|1> documents=N workers_used=N tasks=N wall_s=… wjw_run_s=…`.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.corpus.manifest import read_manifest
from archive.store import open_store
from simweb import LOOPBACK_CRAWL_SETTINGS, SimWeb, build_world
from testkit.seaweed import SeaweedServer

RUN_TIMEOUT_S = 900
PARSE_TIMEOUT_S = 180
BIN = Path(sys.executable).parent
WORKERS = ("wjw-worker-1", "wjw-worker-2")
RUN_ID = "manual__celery"
# Fields that say when a capture happened, not what was captured: two runs minutes apart differ only there.
CAPTURE_TIMES = ("fetched_at", "first_seen", "last_seen")


class Halt(SystemExit):
    """A part the machine lacks, or a step that failed: one line on stderr, exit 2."""

    def __init__(self, message: str) -> None:
        print(f"bench/celery.py: {message}", file=sys.stderr)
        super().__init__(2)


def need(condition: bool, message: str) -> None:
    """Stop with one line when the machine lacks a part."""
    if not condition:
        raise Halt(message)


def free_port() -> int:
    """A TCP port nothing listens on, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_machine() -> None:
    """The Debian packages and the Python extra this benchmark runs on, each named with how to install it."""
    if not (importlib.util.find_spec("airflow.providers.celery") and importlib.util.find_spec("psycopg2")):
        raise Halt("the production extra is not installed: uv run --extra production python bench/celery.py")
    need(bool(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))),
         "PostgreSQL server not found: apt-get install postgresql")
    need(shutil.which("redis-server") is not None, "redis-server not found: apt-get install redis-server")
    need(shutil.which("unshare") is not None and shutil.which("hostname") is not None,
         "unshare or hostname not found: apt-get install util-linux hostname")
    probe = subprocess.run([*own_host_prefix(), "true"], check=False, capture_output=True, text=True)
    need(probe.returncode == 0, f"cannot give each worker its own host name ({' '.join(own_host_prefix())}): "
                                f"{probe.stderr.strip()}; run as root or allow user namespaces")
    if os.geteuid() == 0:
        need(subprocess.run(["id", "postgres"], check=False, capture_output=True).returncode == 0,
             "PostgreSQL refuses to run as root and there is no postgres user: apt-get install postgresql")


def own_host_prefix() -> list[str]:
    """The command prefix that runs a process in a UTS namespace of its own (root needs no user namespace)."""
    return ["unshare", "--uts"] if os.geteuid() == 0 else ["unshare", "--map-root-user", "--uts"]


def stop_group(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM a process group (each service is started as one), SIGKILL it if it lingers."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass


class Services:
    """PostgreSQL and Redis on loopback ports, in a scratch directory, stopped at the end."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.pg_port, self.redis_port = free_port(), free_port()
        self.pg_data = work / "pg"
        self.redis: subprocess.Popen | None = None
        self._as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root

    def _pg(self, program: str, *args: str) -> None:
        """Run one of PostgreSQL's programs (as the postgres user under root); stop naming it if it fails."""
        pg_bin = max(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")).parent
        command = [str(pg_bin / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
        need(done.returncode == 0, f"{program} failed: {(done.stderr or done.stdout).strip()[-800:]}")

    def start(self) -> None:
        """initdb, start PostgreSQL and Redis, create Airflow's database."""
        self.pg_data.mkdir()
        if self._as_postgres:
            shutil.chown(self.pg_data, "postgres")
        self._pg("initdb", "-D", str(self.pg_data), "-U", "airflow", "--auth=trust")
        self._pg("pg_ctl", "-D", str(self.pg_data), "-l", str(self.pg_data / "server.log"), "-w", "-o",
                 f"-c listen_addresses=127.0.0.1 -c port={self.pg_port} -c unix_socket_directories={self.pg_data}",
                 "start")
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "airflow", "airflow")
        with open(self.work / "redis.log", "wb") as log:
            self.redis = subprocess.Popen(["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                           "--save", "", "--appendonly", "no"],
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.redis_port)) == 0:
                    return
            time.sleep(0.2)
        raise Halt(f"redis-server did not listen on 127.0.0.1:{self.redis_port}; see {self.work / 'redis.log'}")

    def query(self, sql: str) -> list[tuple]:
        """Read Airflow's metadata database."""
        import psycopg2

        with (psycopg2.connect(host="127.0.0.1", port=self.pg_port, user="airflow", dbname="airflow") as conn,
              conn.cursor() as cursor):
            try:
                cursor.execute(sql)
            except psycopg2.Error:  # a table not created yet
                return []
            return cursor.fetchall()

    def stop(self) -> None:
        """Stop Redis and PostgreSQL."""
        if self.redis is not None:
            stop_group(self.redis)
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
        # The worker's own host name, with no DNS lookup (the workers' names resolve nowhere).
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "socket.gethostname",
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
    done = subprocess.run([str(BIN / "airflow"), *args], check=False, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    need(done.returncode == 0, f"airflow {' '.join(args[:3])} failed: {(done.stderr or done.stdout)[-1500:]}")
    return done.stdout


def airflow_commands(work: Path, api_port: int) -> dict[str, list[str]]:
    """Airflow's processes by name; each worker under its own host name, serving its logs from the shared home."""
    airflow = str(BIN / "airflow")
    commands = {"api-server": [airflow, "api-server", "--host", "127.0.0.1", "--port", str(api_port)],
                "scheduler": [airflow, "scheduler"], "dag-processor": [airflow, "dag-processor"]}
    for name in WORKERS:
        # Both workers share AIRFLOW_HOME (so its logs): no log server each on the same port, a pid file each.
        worker = [airflow, "celery", "worker", "--concurrency", "2", "--skip-serve-logs", "--pid", str(work / f"{name}.pid")]
        commands[name] = [*own_host_prefix(), "sh", "-c", 'hostname "$0" && exec "$@"', name, *worker]
    return commands


def start_airflow(env: dict, work: Path, api_port: int) -> dict[str, subprocess.Popen]:
    """Start Airflow's processes, each in a process group of its own, logging into the scratch directory."""
    procs = {}
    for name, command in airflow_commands(work, api_port).items():
        own_env = env
        if name in WORKERS:
            # A scratch directory each, as on separate machines: tasks share only the store and Airflow's database.
            own_env = env | {"TMPDIR": str(work / name / "tmp")}
            (work / name / "tmp").mkdir(parents=True)
        with open(work / f"{name}.log", "wb") as log:
            procs[name] = subprocess.Popen(command, env=own_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True)
    return procs


def stack_ready(work: Path, api_port: int) -> bool:
    """The execution API answers and both workers listen: a task queued earlier could fail or find one worker."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/api/v2/monitor/health", timeout=5):
            pass
    except OSError:
        return False
    # Celery's own word that a worker consumes from the broker.
    return all(re.search(rb"celery@\S+ ready\.", (work / f"{name}.log").read_bytes()) for name in WORKERS)


def wait_until(what: str, check, timeout: float, procs: dict, work: Path, interval: float = 3):
    """Poll `check` until it returns something; stop naming `what`, or a process that died, and the logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [name for name, proc in procs.items() if proc.poll() is not None]
        need(not dead, f"{', '.join(dead)} exited while waiting for {what}; see {work}/*.log")
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise Halt(f"timed out after {timeout:.0f} s waiting for {what}; see {work}/*.log")


def run_nightly(services: Services, env: dict, procs: dict, work: Path, registry: Path,
                chunk_size: int) -> tuple[str, float]:
    """Trigger the nightly DAG over the registry and wait for it; its final state and wall time."""
    wait_until("the DAGs to be parsed", lambda: services.query("select 1 from dag where dag_id = 'wjw_nightly'"),
               PARSE_TIMEOUT_S, procs, work)
    wait_until("the api-server and both workers", lambda: stack_ready(work, int(env["AIRFLOW__API__PORT"])),
               PARSE_TIMEOUT_S, procs, work)
    # The Scrapy settings `wjw run` is given below too: loopback needs no politeness and short timeouts.
    # Small chunks, so the night is several mapped crawl and ingest tasks for the two workers to share.
    conf = {"registry": str(registry), "crawl_settings": dict(LOOPBACK_CRAWL_SETTINGS), "chunk_size": chunk_size}
    started = time.monotonic()
    airflow_cli(env, "dags", "trigger", "wjw_nightly", "--conf", json.dumps(conf),
                "--run-id", RUN_ID)

    def finished() -> str | None:
        found = services.query(f"select state from dag_run where dag_id = 'wjw_nightly' and run_id = '{RUN_ID}'")
        return found[0][0] if found and found[0][0] in ("success", "failed") else None

    state = wait_until("the nightly run to finish", finished, RUN_TIMEOUT_S, procs, work, interval=2)
    return state, time.monotonic() - started


def task_instances(services: Services) -> list[dict]:
    """Every task instance of the run, whatever the DAG names its tasks: state and the host and pid that ran it."""
    rows = services.query("select task_id, map_index, state, hostname, pid, try_number, "
                          "extract(epoch from end_date - start_date) from task_instance "
                          f"where dag_id = 'wjw_nightly' and run_id = '{RUN_ID}' order by start_date")
    return [{"task": f"{task}[{index}]" if index >= 0 else task, "state": state, "hostname": host, "pid": pid,
             "try_number": tries, "duration_s": round(float(seconds), 1) if seconds is not None else None}
            for task, index, state, host, pid, tries, seconds in rows]


def failed_tries(services: Services) -> list[dict]:
    """The tries Airflow retried (kept in task_instance_history): none on a healthy run."""
    rows = services.query("select task_id, map_index, try_number, state, hostname from task_instance_history "
                          f"where dag_id = 'wjw_nightly' and run_id = '{RUN_ID}' order by start_date")
    return [{"task": f"{task}[{index}]" if index >= 0 else task, "try_number": tries, "state": state,
             "hostname": host} for task, index, tries, state, host in rows]


def run_wjw(rows: list[dict], seaweed: SeaweedServer, bucket: str) -> float:
    """What `wjw run` does (its `run_pipeline`, 4 crawl processes) over the same sites into another bucket; seconds."""
    from archive.registry import sites_from_rows
    from archive.run.crawl import CrawlOptions
    from archive.run.pipeline import run_pipeline

    os.environ.update(seaweed.env)
    options = CrawlOptions(mode="nightly", settings=LOOPBACK_CRAWL_SETTINGS)
    started = time.monotonic()
    run_pipeline(open_store(f"s3://{bucket}"), sites_from_rows(rows), options, workers=4)
    return time.monotonic() - started


def corpus(store) -> dict[str, dict]:
    """doc id → record of the latest manifest, capture times left out; each text checked against its hash."""
    documents = {}
    for line in read_manifest(store):
        record = line["record"]
        text = store.get(record["text_key"], line.get("text_version_id"))
        need(hashlib.sha256(text).hexdigest() == record["text_sha256"],
             f"{record['text_key']}: the stored text does not match its hash; run `wjw verify`")
        documents[record["doc_id"]] = {k: v for k, v in record.items() if k not in CAPTURE_TIMES}
    return documents


def differences(celery: dict[str, dict], serial: dict[str, dict]) -> list[str]:
    """What differs between two corpora, one phrase per document (at most a few named)."""
    found = [f"{doc_id} only in the Celery run" for doc_id in sorted(celery.keys() - serial.keys())]
    found += [f"{doc_id} only in wjw run" for doc_id in sorted(serial.keys() - celery.keys())]
    for doc_id in sorted(celery.keys() & serial.keys()):
        fields = sorted(k for k in celery[doc_id].keys() | serial[doc_id].keys()
                        if celery[doc_id].get(k) != serial[doc_id].get(k))
        if fields:
            found.append(f"{doc_id} differs in {', '.join(fields)}")
    return found


def measure(work: Path, sites: int, chunk_size: int) -> dict:
    """Bring the stack up, run the DAG and `wjw run`, compare; the figures."""
    services = Services(work)
    procs: dict[str, subprocess.Popen] = {}
    try:
        services.start()
        with SeaweedServer(work / "s3") as seaweed, SimWeb(build_world(), day=0, port=free_port()) as web:
            seaweed.create_bucket("celery")
            seaweed.create_bucket("serial")
            # No politeness pause: simweb is ours, on loopback; both runs read the same registry.
            rows = [row | {"download_delay": 0} for row in web.registry_rows()][:sites]
            registry = work / "sites.yaml"
            registry.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
            (work / "airflow").mkdir()
            api_port = free_port()
            env = airflow_env(work / "airflow", services, seaweed, "celery", api_port)
            airflow_cli(env, "db", "migrate", timeout=600)
            airflow_cli(env, "pools", "set", "wjw_crawl", "4", "wjw: sites crawled at once")
            procs = start_airflow(env, work, api_port)
            state, wall = run_nightly(services, env, procs, work, registry, chunk_size)
            tasks, retried = task_instances(services), failed_tries(services)
            for proc in procs.values():
                stop_group(proc)
            wjw_run_s = run_wjw(rows, seaweed, "serial")
            celery_corpus, serial_corpus = corpus(open_store("s3://celery")), corpus(open_store("s3://serial"))
    finally:
        for proc in procs.values():
            stop_group(proc)
        services.stop()
    per_host = Counter(t["hostname"] for t in tasks if t["state"] == "success" and t["hostname"])
    diff = differences(celery_corpus, serial_corpus)
    return {
        "sites": len(rows), "state": state, "tasks": len(tasks), "task_instances": tasks,
        "retried_tries": retried,
        "tasks_per_worker": dict(per_host), "workers_used": sum(1 for host in per_host if host in WORKERS),
        "documents": len(celery_corpus), "documents_wjw_run": len(serial_corpus), "differences": diff[:20],
        "celery_identical": int(state == "success" and not diff and bool(celery_corpus)),
        "wall_s": round(wall, 1), "wjw_run_s": round(wjw_run_s, 1),
    }


def report(figures: dict) -> None:
    """Print the figures, write them to bench/results/celery.json, and end with the one-line summary."""
    for name, value in figures.items():
        if name != "task_instances":
            print(f"{name:>18}: {value}")
    out = ROOT / "bench" / "results" / "celery.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"celery_identical={figures['celery_identical']} documents={figures['documents']} "
          f"workers_used={figures['workers_used']} tasks={figures['tasks']} "
          f"wall_s={figures['wall_s']} wjw_run_s={figures['wjw_run_s']}")


def main() -> None:
    """Run both, compare, print and write the figures; keep the scratch directory if they differ or a task retried."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=8, help="simweb sites to crawl (default 8)")
    parser.add_argument("--chunk-size", type=int, default=2, help="sites per mapped crawl/ingest task (default 2)")
    args = parser.parse_args()
    check_machine()
    # SIGTERM unwinds like Ctrl-C, through the `finally` that stops every process started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="wjw-celery-"))
    work.chmod(0o755)  # PostgreSQL, run as its own user under root, reaches its data directory through it
    kept = True
    try:
        figures = measure(work, args.sites, args.chunk_size)
        kept = not figures["celery_identical"] or bool(figures["retried_tries"])
    except KeyboardInterrupt:
        raise Halt("interrupted; every process this benchmark started is stopped") from None
    finally:
        if kept:
            print(f"bench/celery.py: logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(figures)


if __name__ == "__main__":
    main()
