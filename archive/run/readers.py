"""Read a run's WARCs ahead in worker processes, handed back in the order the run commits them.

Reading a WARC (decode, extract, classify, MinHash) is the CPU-heavy half of
ingest and needs neither the state nor the other sites, so `workers`
processes do it side by side; committing (texts, records, the dedup index,
state) stays one ordered step in the run's process, so a parallel ingest
stores exactly what a serial one does. With one worker nothing is read ahead:
each WARC is read when the commit asks for it, in the run's own process.
In Airflow the reading is done by mapped tasks, which keep what they read in
the store (`runs/<run_id>/readings/`); the publishing task commits those,
reading itself only a WARC no task kept.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol, Self

from archive.records import Site
from archive.run import killpoints
from archive.run.ingest import ReadWarc, load_read_warc, read_warc
from archive.store import Store, open_store


class Pending(Protocol):
    def result(self) -> ReadWarc: ...

    def cancel(self) -> bool: ...


class _Later:
    """A WARC read in this process when its result is asked for (or what a task of `kept_by` read of it)."""

    def __init__(self, store: Store, site: Site, key: str, kept_by: str | None = None) -> None:
        self._call = (store, site, key)
        self._kept_by = kept_by

    def result(self) -> ReadWarc:
        store, _, key = self._call
        kept = load_read_warc(store, self._kept_by, key) if self._kept_by else None
        return kept if kept is not None else read_warc(*self._call)

    def cancel(self) -> bool:
        return True


_worker_store: Store | None = None


def _serve(uri: str, run_pid: int) -> None:
    global _worker_store
    killpoints.serve_run(run_pid)
    threading.Thread(target=_end_with, args=(run_pid,), daemon=True, name="wjw-run-watch").start()
    # The run checked the store's versioning when it opened it; a worker only reads WARCs and writes blobs.
    _worker_store = open_store(uri, allow_unversioned=True)


def _end_with(run_pid: int) -> None:
    """End this worker when its run is gone (killed, or lost its machine's memory): an orphan would hold its pipes."""
    while os.getppid() == run_pid:
        time.sleep(0.5)
    os._exit(1)


def _read(site: Site, key: str) -> ReadWarc:
    assert _worker_store is not None
    return read_warc(_worker_store, site, key)


class WarcReaders:
    """Up to `workers` processes reading WARCs; `submit` returns what `result()` hands back in commit order.

    With `kept_by` (a run id), WARCs are not read here but taken from what that run's tasks kept.
    """

    def __init__(self, store: Store, workers: int = 1, kept_by: str | None = None) -> None:
        self.store = store
        self.kept_by = kept_by
        self.workers = 1 if kept_by else max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Self:
        if self.workers > 1:
            # spawn, not fork: the run holds threads (the lease heartbeat, the crawl pool) a fork would copy mid-step.
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_serve, initargs=(self.store.uri, os.getpid()))
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def ahead(self) -> int:
        """How many WARCs may be read before the commit catches up: enough to keep every worker busy."""
        return 1 if self._pool is None else 2 * self.workers

    def submit(self, site: Site, key: str) -> Pending | Future[ReadWarc]:
        """Start reading a WARC (in a worker), or note it for reading when its result is asked for."""
        if self._pool is None:
            return _Later(self.store, site, key, self.kept_by)
        return self._pool.submit(_read, site, key)
