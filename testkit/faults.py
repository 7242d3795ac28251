"""The fault suite's machinery: run `wjw` as an operator would, hurt it, and compare what the store holds.

Used by tests/run/test_faults.py (short) and bench/faults.py (every kill point, bigger worlds).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WJW = [sys.executable, "-m", "cli.main"]

# Fields of a record that say when, not what: they differ between any two runs.
TIMES = ("fetched_at", "first_seen", "last_seen", "updated_at")


@dataclass(frozen=True)
class Outcome:
    """How one `wjw` command ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def traceback(self) -> bool:
        """Whether Python printed a traceback (what an operator must never see)."""
        return "Traceback (most recent call last)" in self.stdout + self.stderr


def write_registry(path: Path, rows: list[dict]) -> Path:
    """A registry file of simweb rows with no politeness delay (our own loopback server)."""
    path.write_text(yaml.safe_dump([row | {"download_delay": 0} for row in rows], allow_unicode=True),
                    encoding="utf-8")
    return path


def wjw(args: list[str], *, env: dict[str, str] | None = None, tmpdir: Path | None = None,
        timeout: float = 900) -> Outcome:
    """Run `wjw ARGS` in a child process with the given extra environment."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("WJW_FAULT_")} | (env or {})
    full["PYTHONPATH"] = str(ROOT)
    if tmpdir is not None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        full["TMPDIR"] = str(tmpdir)
    proc = subprocess.run([*WJW, *args], capture_output=True, text=True, timeout=timeout, env=full, cwd=ROOT)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def run_args(store: str, registry: Path, mode: str = "nightly", workers: int = 1, *extra: str) -> list[str]:
    """`wjw run` arguments for a store and registry."""
    return ["run", "--store", store, "--registry", str(registry), "--mode", mode, "--workers", str(workers), *extra]


def corpus(store) -> dict:
    """What a store holds that a researcher reads, without the times: records, texts, the latest manifest.

    Two stores hold the same corpus when these are equal, whichever runs made them.
    """
    from archive.store import KeyNotFound
    from archive.store.keys import DOCS_PREFIX, LATEST_MANIFEST

    records = {}
    for key in store.list(DOCS_PREFIX):
        record = json.loads(store.get(key))
        records[record["doc_id"]] = {k: v for k, v in record.items() if k not in TIMES}
    try:
        latest = json.loads(store.get(LATEST_MANIFEST))
        lines = [json.loads(line) for line in gzip.decompress(store.get(latest["manifest_key"])).splitlines()]
        manifest = sorted((line["record"]["doc_id"], line["text_key"]) for line in lines)
    except KeyNotFound:
        manifest = None
    texts = {r["text_key"]: store.exists(r["text_key"]) for r in records.values()}
    return {"records": records, "manifest": manifest, "texts_present": all(texts.values()), "documents": len(records)}


def differences(got: dict, want: dict) -> list[str]:
    """What differs between two corpora, one line each (empty when they are the same)."""
    lines = []
    missing = sorted(set(want["records"]) - set(got["records"]))
    extra = sorted(set(got["records"]) - set(want["records"]))
    if missing:
        lines.append(f"{len(missing)} documents missing, e.g. {missing[:3]}")
    if extra:
        lines.append(f"{len(extra)} documents extra, e.g. {extra[:3]}")
    for doc_id in sorted(set(got["records"]) & set(want["records"])):
        if got["records"][doc_id] != want["records"][doc_id]:
            a, b = got["records"][doc_id], want["records"][doc_id]
            fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            lines.append(f"{doc_id}: differs in {fields}")
    if got["manifest"] != want["manifest"]:
        lines.append("the latest manifest differs")
    if not got["texts_present"]:
        lines.append("a record names a text the store does not hold")
    return lines


def flip_byte(path: Path, rng: random.Random) -> int:
    """Flip one bit of one byte of a file in place (through its hard links too); return the offset."""
    data = bytearray(path.read_bytes())
    offset = rng.randrange(len(data))
    data[offset] ^= 1 << rng.randrange(8)
    os.chmod(path, 0o644)
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(bytes([data[offset]]))
    return offset
