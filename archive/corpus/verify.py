"""Check that the archive is what it says it is: every object sound, every manifest entry resolvable.

Every version of every key is re-hashed against the sha256 the store recorded
when it was written, kept apart from the content (`Store.audit`: the local
store's version ids, S3 metadata), so a flipped byte in any object is found.
On top of that, content-addressed objects (`text/`, `blobs/sha256/`) are
re-hashed against their names; records, manifests, index segments and WARCs
are read back and parsed; latest.json's sha256 is checked against the
manifest it pins. Every line of every manifest must resolve: the pinned record
version, whose bytes must hash to the line's `doc_sha256` and hold the line's
record, and the pinned text version, whose bytes must hash to the text's name.

A store with no objects at all is an error, not a clean archive: it is most
often a mistyped `--store`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from archive.records import Document
from archive.store import KeyNotFound, Store, StoreError
from archive.store.keys import (
    LATEST_MANIFEST,
    MANIFEST_PREFIX,
    content_address,
    is_content_addressed,
    run_of_manifest,
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Fault:
    """One thing wrong, at one key."""

    key: str
    problem: str


@dataclass
class VerifyReport:
    """What `wjw verify` checked and what it found wrong."""

    checked: Counter = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.faults

    def fault(self, key: str, problem: str) -> None:
        """Note one thing wrong."""
        self.faults.append(Fault(key, problem))


def verify_store(store: Store, progress: Progress = lambda _: None) -> VerifyReport:
    """Re-hash and re-read every object in the store and resolve every manifest entry.

    Raises StoreError when the store holds nothing (or is not there).
    """
    report = VerifyReport()
    keys = store.list("")
    first = next(keys, None)
    if first is None:
        raise StoreError(f"{store.uri}: no objects there, so nothing to verify; is --store right?")
    for key in _chain(first, keys):
        try:
            _check_object(store, key, report)
            for problem in store.audit(key):
                report.fault(key, problem)
        except StoreError as exc:
            report.fault(key, f"unreadable: {exc}")
        progress(key)
    _check_manifests(store, report, progress)
    return report


def _chain(first: str, rest):
    yield first
    yield from rest


def _check_object(store: Store, key: str, report: VerifyReport) -> None:
    top = key.split("/", 1)[0]
    if is_content_addressed(key):
        named = content_address(key)
        if named is None:
            report.fault(key, "not a content address (want text/ab/<sha256>.txt or blobs/sha256/ab/<sha256>)")
            return
        actual = hashlib.sha256(store.get(key)).hexdigest()
        report.checked[top] += 1
        if actual != named:
            report.fault(key, f"content hashes to {actual}, not to its name")
        return
    data = store.get(key)
    report.checked[top] += 1
    try:
        if top == "docs":
            Document.from_dict(json.loads(data))
        elif key.endswith(".gz"):
            body = gzip.decompress(data)
            if key.endswith(".jsonl.gz"):
                for line in body.decode("utf-8").splitlines():
                    if line.strip():
                        json.loads(line)
        elif key.endswith(".json"):
            json.loads(data)
    except (ValueError, TypeError, KeyError, OSError, EOFError, zlib.error) as exc:
        report.fault(key, f"does not parse: {type(exc).__name__}: {exc}")


def _check_manifests(store: Store, report: VerifyReport, progress: Progress) -> None:
    resolved: dict[tuple[str, str | None], _Resolved | None] = {}
    latest = _latest(store, report)
    for key in store.list(MANIFEST_PREFIX):
        if run_of_manifest(key) is None:
            continue
        try:
            body = gzip.decompress(store.get(key))
        except (OSError, EOFError, zlib.error):
            continue  # already reported as not parsing
        if latest and latest.get("manifest_key") == key and latest.get("sha256"):
            _check_pinned_manifest(store, key, body, latest, report)
        for number, text in enumerate(body.decode("utf-8", "replace").splitlines(), start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                _check_line(store, line, resolved, report, f"{key} line {number}")
            except (ValueError, KeyError, TypeError) as exc:
                report.fault(key, f"line {number}: not a manifest line ({exc})")
        report.checked["manifest lines"] += body.count(b"\n")
        progress(key)


def _latest(store: Store, report: VerifyReport) -> dict | None:
    """The latest pointer, noting a fault when it names a manifest the store does not hold."""
    try:
        latest = json.loads(store.get(LATEST_MANIFEST))
    except (KeyNotFound, ValueError):
        return None  # absent before the first run; unparsable is already a fault
    if not isinstance(latest, dict):
        report.fault(LATEST_MANIFEST, "is not a JSON object")
        return None
    named = latest.get("manifest_key")
    if not isinstance(named, str) or run_of_manifest(named) is None or not store.exists(named):
        report.fault(LATEST_MANIFEST, f"names manifest {named!r}, which the store does not hold")
    return latest


def _check_pinned_manifest(store: Store, key: str, body: bytes, latest: dict, report: VerifyReport) -> None:
    pinned = latest.get("manifest_version_id")
    try:
        checked = gzip.decompress(store.get(key, pinned)) if pinned else body
    except KeyNotFound:
        report.fault(key, f"version {pinned} that {LATEST_MANIFEST} pins does not resolve")
        return
    except (OSError, EOFError, zlib.error):
        report.fault(key, f"version {pinned} that {LATEST_MANIFEST} pins does not decompress")
        return
    if hashlib.sha256(checked).hexdigest() != latest["sha256"]:
        report.fault(key, f"does not match the sha256 that {LATEST_MANIFEST} gives for it")


@dataclass(frozen=True)
class _Resolved:
    """A pinned version as read back: the sha256 of its bytes and, for a record, what it parses to."""

    sha256: str
    record: dict | None = None


def _resolve(store: Store, key: str, version_id: str | None, *, parse: bool) -> _Resolved | None:
    try:
        data = store.get(key, version_id)
    except KeyNotFound:
        return None
    record = None
    if parse:
        try:
            record = json.loads(data)
        except ValueError:
            record = None
    return _Resolved(hashlib.sha256(data).hexdigest(), record)


def _resolved_once(store: Store, version: tuple[str, str | None], resolved: dict, *, parse: bool) -> _Resolved | None:
    """A (key, version id) read once per verify, however many manifest lines name it."""
    if version not in resolved:
        resolved[version] = _resolve(store, *version, parse=parse)
    return resolved[version]


def _check_line(store: Store, line: dict, resolved: dict, report: VerifyReport, where: str) -> None:
    record_sha = line["record"]["text_sha256"]
    doc = (line["doc_key"], line.get("doc_version_id"))
    found = _resolved_once(store, doc, resolved, parse=True)
    if found is None:
        report.fault(doc[0], f"version {doc[1]} named by {where} does not resolve")
    elif line.get("doc_sha256") and found.sha256 != line["doc_sha256"]:
        report.fault(doc[0], f"version {doc[1]} hashes to {found.sha256}, {where} says {line['doc_sha256']}")
    elif found.record != line["record"]:
        held = found.record.get("text_sha256") if isinstance(found.record, dict) else "an unparsable record"
        report.fault(doc[0], f"version {doc[1]} (text {held}) differs from the record {where} carries")
    text = (line["text_key"], line.get("text_version_id"))
    found = _resolved_once(store, text, resolved, parse=False)
    if found is None:
        report.fault(text[0], f"version {text[1]} named by {where} does not resolve")
    elif found.sha256 != record_sha:
        report.fault(text[0], f"version {text[1]} named by {where} hashes to {found.sha256}, not {record_sha}")
