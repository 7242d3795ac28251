"""A test hook that kills the process at a named step of the commit protocol, to prove a rerun finishes the job.

`WJW_FAULT_KILL_AT=<step>:<n>` sends SIGKILL to this process the n-th time it
reaches `<step>` (counted per process). Unset, `reached` costs one dict lookup.
The steps, in commit order: warc_stored, blob_written, text_written,
doc_written, index_flushed, state_saved, lease_released, manifest_written,
report_written. A crawl child has one of its own, site_crawled (a site of its
chunk announced as finished), to kill a chunk's process between its sites.

A run that reads WARCs in worker processes (`archive.run.readers`) names
itself in each worker (`serve_run`): a worker that reaches the step kills
the run with it, as if the run had died there itself.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

ENV = "WJW_FAULT_KILL_AT"

STEPS = ("warc_stored", "blob_written", "text_written", "doc_written", "index_flushed", "state_saved",
         "lease_released", "manifest_written", "report_written")

_counts: Counter[str] = Counter()
_lock = threading.Lock()
_run_pid: int | None = None


def serve_run(pid: int) -> None:
    """Make this process a worker of run `pid`: a kill here kills the run too."""
    global _run_pid
    _run_pid = pid


def reached(step: str) -> None:
    """Note that this process reached `step`; die here if the hook says so."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    wanted, _, nth = spec.partition(":")
    if wanted != step:
        return
    with _lock:
        _counts[step] += 1
        count = _counts[step]
    if count == int(nth or 1):
        if _run_pid is not None:
            os.kill(_run_pid, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
