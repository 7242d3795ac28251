"""Per-site crawl logs kept in the store (`runs/<run_id>/logs/<site>.log.gz`).

The crawl child writes its Scrapy log to a temporary directory that goes with
the crawl; an operator asking "why did this site fail last night" needs it
afterwards, from a shell (`wjw runs show RUN --log SITE`) or in the Airflow
task log, so the log is stored beside the run report.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from archive.store import KeyNotFound, Store, StoreError
from archive.store.keys import RUNS_PREFIX, log_key, log_of

# A crawl that loops on warnings could write gigabytes; the head and tail say what happened.
MAX_LOG_BYTES = 8 * 1024 * 1024


def save_log(store: Store, run_id: str, site_id: str, path: Path) -> str | None:
    """Store a site's crawl log, gzipped (its first and last MAX_LOG_BYTES/2 when longer); return its key.

    A log is evidence, not data: failing to keep it must not fail the crawl, so a
    missing file or a store error returns None.
    """
    try:
        body = _bounded(path.read_bytes())
        key = log_key(run_id, site_id)
        store.put(key, gzip.compress(body, mtime=0), content_type="application/gzip")
    except (OSError, StoreError):
        return None
    return key


def read_log(store: Store, run_id: str, site_id: str) -> str:
    """A site's crawl log in a run, as text; KeyNotFound when the run kept none."""
    return gzip.decompress(store.get(log_key(run_id, site_id))).decode("utf-8", errors="replace")


def logged_sites(store: Store, run_id: str) -> list[str]:
    """The sites whose crawl log a run kept."""
    found = (log_of(key) for key in store.list(f"{RUNS_PREFIX}{run_id}/logs/"))
    return sorted(site for run, site in filter(None, found) if run == run_id)


def log_lines(store: Store, run_id: str, site_id: str) -> Iterator[str]:
    """The lines of a site's crawl log, or none when the run kept no log for it."""
    try:
        yield from read_log(store, run_id, site_id).splitlines()
    except KeyNotFound:
        return


def _bounded(body: bytes) -> bytes:
    if len(body) <= MAX_LOG_BYTES:
        return body
    half = MAX_LOG_BYTES // 2
    cut = len(body) - 2 * half
    return body[:half] + f"\n[… {cut} bytes of log left out …]\n".encode() + body[-half:]
