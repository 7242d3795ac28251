# The project image: wjw, its spiders and DAGs, on Airflow 3 with Celery (the `production` extra),
# installed from uv.lock exactly (`--frozen`): dependencies first, so code changes reuse that layer.
FROM python:3.11-slim-bookworm

ENV UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/wjw/.venv \
    PATH=/opt/wjw/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/wjw/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False

RUN apt-get update \
    && apt-get install -y --no-install-recommends antiword catdoc chromium \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv

WORKDIR /opt/wjw
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra production --no-install-project
COPY archive ./archive
COPY cli ./cli
COPY spiders ./spiders
COPY simweb ./simweb
COPY dags ./dags
COPY sites ./sites
COPY schemas ./schemas
RUN uv sync --frozen --no-dev --extra production

# Airflow's home and the Parquet exports (a named volume in docker-compose.yml) belong to the runtime user.
RUN useradd --create-home --uid 50000 airflow \
    && mkdir -p /opt/airflow /opt/wjw-export \
    && chown -R airflow /opt/airflow /opt/wjw-export
USER airflow
