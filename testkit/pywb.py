"""pywb (a dev dependency) as an archivist runs it: `wb-manager` builds a collection, `wayback` replays it on loopback.

pywb runs in child processes only: its apps monkeypatch the standard library
with gevent when imported, which must never happen inside the test process.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent
COLLECTION = "wjw"


def add_to_collection(root: Path, archives: list[Path]) -> Path:
    """A pywb collection under `root` holding `archives` (WARCs or WACZs), indexed by `wb-manager add`; its index.

    A WACZ is unpacked: pywb 2.10 adds its WARCs and merges in the WACZ's own CDXJ index.
    """
    commands = [["init", COLLECTION]] + [["add", *(["--unpack-wacz"] if path.suffix == ".wacz" else []),
                                          COLLECTION, str(path)] for path in archives]
    for args in commands:
        subprocess.run([str(BIN / "wb-manager"), *args], cwd=root, check=True, capture_output=True, timeout=300)
    return root / "collections" / COLLECTION / "indexes" / "index.cdxj"


def read_cdxj(text: str) -> list[tuple[str, dict]]:
    """(url key, fields) of each line of a CDXJ index."""
    lines = [line.split(" ", 2) for line in text.splitlines() if line and not line.startswith("!")]
    return [(key, json.loads(fields)) for key, _, fields in lines]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def wayback(root: Path) -> Iterator[str]:
    """pywb's replay server over the collections under `root`, on loopback; its base URL."""
    port = _free_port()
    server = subprocess.Popen([str(BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)], cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/{COLLECTION}/", timeout=5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("pywb's wayback server did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def replay(base: str, timestamp: str, url: str) -> tuple[int, str, bytes]:
    """Status, Content-Type and body that replay serves for a capture, unrewritten (`id_`)."""
    with urllib.request.urlopen(f"{base}/{COLLECTION}/{timestamp}id_/{url}", timeout=30) as served:
        return served.status, served.headers["Content-Type"], served.read()
