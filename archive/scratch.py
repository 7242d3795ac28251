"""Temporary work folders that a killed run does not leave behind for good.

Every folder is named `wjw-<pid>-<what>-<random>` in the system's temp
directory, so the next run can tell the folders of processes that no longer
run (killed with -9, or the machine lost power) and remove them: a partial
WARC or a half-downloaded capture is never read again, since what matters of
it is either in the store or fetched anew.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_OURS = re.compile(r"wjw-(?P<pid>\d+)-")


@contextmanager
def scratch(what: str) -> Iterator[Path]:
    """A fresh temporary folder for `what`, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix=f"wjw-{os.getpid()}-{what}-") as tmp:
        yield Path(tmp)


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders of processes that no longer run; return what was removed."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _OURS.match(entry.name)
        if not match or not entry.is_dir() or running(int(match["pid"])):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def leftovers(root: Path | None = None) -> list[Path]:
    """The scratch folders of processes that no longer run (what `sweep` would remove)."""
    root = Path(root or tempfile.gettempdir())
    return [e for e in root.iterdir() if (m := _OURS.match(e.name)) and e.is_dir() and not running(int(m["pid"]))]


def running(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True
