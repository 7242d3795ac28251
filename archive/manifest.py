"""Manifests: the corpus as of a run, one line per document, published atomically.

`manifests/<run_id>.jsonl.gz` is written first and `manifests/latest.json`
last, so a reader following latest.json never sees a half-written corpus.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from typing import Any, Iterator

from archive.store import KeyNotFound, Store

LATEST_KEY = "manifests/latest.json"


class ManifestError(RuntimeError):
    """No manifest to read, or one that names a missing run."""


def manifest_key(run_id: str) -> str:
    """Where a run's manifest lives."""
    return f"manifests/{run_id}.jsonl.gz"


def write_manifest(store: Store, run_id: str) -> tuple[str, int]:
    """Write the manifest of every current document, then point latest.json at it."""
    lines = []
    for key in store.list("docs/"):
        versions = store.versions(key)
        record = json.loads(store.get(key))
        lines.append({
            "doc_key": key,
            "doc_version_id": versions[0].version_id if versions else None,
            "text_key": record["text_key"],
            "record": record,
        })
    body = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    # mtime=0 keeps the same corpus byte-identical across runs.
    key = manifest_key(run_id)
    store.put(key, gzip.compress(body.encode("utf-8"), mtime=0), content_type="application/gzip")
    latest = {
        "run_id": run_id,
        "manifest_key": key,
        "documents": len(lines),
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    store.put(LATEST_KEY, json.dumps(latest, indent=1).encode("utf-8"), content_type="application/json")
    return key, len(lines)


def read_manifest(store: Store, run_id: str | None = None) -> Iterator[dict[str, Any]]:
    """The lines of a run's manifest, or of the latest one."""
    if run_id is None:
        try:
            latest = json.loads(store.get(LATEST_KEY))
        except KeyNotFound:
            raise ManifestError(f"{store.describe_key(LATEST_KEY)}: no manifest yet; run `wjw run` first") from None
        key = latest["manifest_key"]
    else:
        key = manifest_key(run_id)
    try:
        data = gzip.decompress(store.get(key)).decode("utf-8")
    except KeyNotFound:
        raise ManifestError(f"{store.describe_key(key)}: no such manifest") from None
    for line in data.splitlines():
        if line.strip():
            yield json.loads(line)
