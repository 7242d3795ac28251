"""Manifests: the corpus as of a run, one line per document, published atomically.

`manifests/<run_id>.jsonl.gz` is written first and `manifests/latest.json`
last, so a reader following latest.json never sees a half-written corpus. Each
line pins the document record's version (and the sha256 of its bytes) and its
text's version, so a manifest keeps describing the same corpus after later runs
rewrite records, and verify can check each pinned record byte for byte.

A run that changed no record writes no manifest: its report names the earlier
manifest that still describes the corpus, and `read_manifest(store, run_id)`
follows it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Iterator

from archive.records import ManifestLine
from archive.store import KeyNotFound, Store
from archive.store.keys import (
    DOCS_PREFIX,
    LATEST_MANIFEST,
    RUNS_PREFIX,
    manifest_key,
    report_key,
)

LATEST_KEY = LATEST_MANIFEST


class ManifestError(RuntimeError):
    """No manifest to read, or one that names a missing run."""


def read_latest(store: Store) -> dict[str, Any] | None:
    """The pointer to the newest manifest, or None before the first run."""
    try:
        return json.loads(store.get(LATEST_KEY))
    except KeyNotFound:
        return None


def manifest_lines(store: Store, previous: dict[str, dict[str, Any]] | None = None) -> list[ManifestLine]:
    """One line per current document record, reusing `previous` lines (by doc key) whose version still holds."""
    previous = previous or {}
    lines = []
    for key in store.list(DOCS_PREFIX):
        versions = store.versions(key)
        version_id = versions[0].version_id if versions else None
        old = previous.get(key)
        if old is not None and version_id is not None and old["doc_version_id"] == version_id \
                and old.get("doc_sha256"):
            lines.append(ManifestLine(**old))
            continue
        data = store.get(key, version_id) if version_id else store.get(key)
        record = json.loads(data)
        text_versions = store.versions(record["text_key"])
        # A text key is written once under If-None-Match; its first version is the content its name promises.
        lines.append(ManifestLine(
            doc_key=key,
            doc_version_id=version_id,
            text_key=record["text_key"],
            text_version_id=text_versions[-1].version_id if text_versions else None,
            record=record,
            doc_sha256=hashlib.sha256(data).hexdigest(),
        ))
    return lines


def write_manifest(store: Store, run_id: str) -> tuple[str, int]:
    """Publish the corpus as of this run; return the manifest that describes it and its size.

    When no record changed since the latest manifest, nothing is written and the
    latest manifest's key is returned.
    """
    latest = read_latest(store)
    previous: dict[str, dict[str, Any]] = {}
    if latest is not None:
        previous = {line["doc_key"]: line for line in _read_key(store, latest["manifest_key"],
                                                                latest.get("manifest_version_id"))}
    lines = manifest_lines(store, previous)
    body = "".join(json.dumps(line.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    if latest is not None and latest.get("sha256") == digest:
        return latest["manifest_key"], len(lines)
    key = manifest_key(run_id)
    # mtime=0 keeps the same corpus byte-identical across runs.
    put = store.put(key, gzip.compress(body.encode("utf-8"), mtime=0), content_type="application/gzip")
    pointer = {
        "run_id": run_id,
        "manifest_key": key,
        "manifest_version_id": put.version_id,
        "documents": len(lines),
        "sha256": digest,
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    store.put(LATEST_KEY, json.dumps(pointer, indent=1).encode("utf-8"), content_type="application/json")
    return key, len(lines)


def resolve_manifest(store: Store, run_id: str | None = None) -> tuple[str, str | None]:
    """The manifest key (and pinned version) describing the corpus as of a run, or as of the latest one."""
    if run_id is None:
        latest = read_latest(store)
        if latest is None:
            raise ManifestError(f"{store.describe_key(LATEST_KEY)}: no manifest yet; run `wjw run` first")
        return latest["manifest_key"], latest.get("manifest_version_id")
    key = manifest_key(run_id)
    if store.exists(key):
        return key, None
    try:
        report = json.loads(store.get(report_key(run_id)))
    except KeyNotFound:
        raise ManifestError(f"{store.describe_key(key)}: no such manifest, and no run {run_id} in "
                            f"{store.describe_key(RUNS_PREFIX)}; see `manifests/` for run ids") from None
    if not report.get("manifest_key"):
        raise ManifestError(f"run {run_id} published no manifest (it did not finish)")
    return report["manifest_key"], None


def read_manifest(store: Store, run_id: str | None = None) -> Iterator[dict[str, Any]]:
    """The lines of the manifest describing the corpus as of a run, or the latest one."""
    key, version_id = resolve_manifest(store, run_id)
    return _read_key(store, key, version_id)


def _read_key(store: Store, key: str, version_id: str | None = None) -> Iterator[dict[str, Any]]:
    try:
        data = gzip.decompress(store.get(key, version_id)).decode("utf-8")
    except KeyNotFound:
        raise ManifestError(f"{store.describe_key(key)}: no such manifest") from None
    for line in data.splitlines():
        if line.strip():
            yield json.loads(line)
