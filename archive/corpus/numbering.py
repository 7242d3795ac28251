"""The number a document keeps in txt exports (`NNN_<hash16>.txt`) forever.

A document's number is its rank in the order documents first appeared in
the corpus's manifests, oldest run first, and within a manifest by
publication date and id. Manifests are written once and never change, so
the numbering only ever grows at its end: a document's number is the same in
every export, whatever the filters, the `--as-of` run or the documents added
since. The numbering is derived, never stored in the store; a local cache
saves re-reading the manifests it has already counted.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from archive.store import Store
from archive.store.keys import MANIFEST_PREFIX, run_of_manifest


def manifest_keys(store: Store) -> list[str]:
    """Every run's manifest, oldest first (run ids sort by time)."""
    return sorted((key for key in store.list(MANIFEST_PREFIX) if run_of_manifest(key)), key=run_of_manifest)


def _order(lines: list[dict[str, Any]]) -> list[str]:
    records = sorted((line["record"] for line in lines), key=lambda r: (r.get("published") or "", r["doc_id"]))
    return [r["doc_id"] for r in records]


def _cache_path(store: Store) -> Path:
    root = os.environ.get("WJW_INDEX_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wjw"
    digest = hashlib.sha256(store.uri.encode("utf-8")).hexdigest()[:16]
    return Path(root) / "numbers" / f"{digest}.json"


def document_numbers(store: Store) -> dict[str, int]:
    """doc_id -> its export number, over every manifest the store holds."""
    keys = manifest_keys(store)
    cache = _cache_path(store)
    counted: list[str] = []
    numbers: dict[str, int] = {}
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved["manifests"] == keys[:len(saved["manifests"])]:
            counted, numbers = saved["manifests"], saved["numbers"]
    except (OSError, ValueError, KeyError):
        pass  # no cache, or an unreadable one: count from the first manifest
    for key in keys[len(counted):]:
        lines = [json.loads(row) for row in gzip.decompress(store.get(key)).decode("utf-8").splitlines() if row.strip()]
        for doc_id in _order(lines):
            numbers.setdefault(doc_id, len(numbers))
        counted.append(key)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"manifests": counted, "numbers": numbers}), encoding="utf-8")
    except OSError:
        pass  # a cache that cannot be written costs time, not correctness
    return numbers
