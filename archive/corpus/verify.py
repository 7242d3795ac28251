"""Check that the archive is what it says it is: every object sound, every manifest entry resolvable.

Content-addressed objects (`text/`, `blobs/sha256/`) are re-hashed against their
names, newest version, since that is what a reader gets. Records, manifests,
index segments and WARCs have no hash in their names; they are read back
whole and parsed, and latest.json's sha256 is checked against its manifest.
Every line of every manifest must resolve: the pinned record version, whose
text hash must match the line, and the pinned text version, whose bytes must
hash to the text's name.
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
    """Re-hash or re-read every object in the store and resolve every manifest entry."""
    report = VerifyReport()
    for key in store.list(""):
        try:
            _check_object(store, key, report)
        except StoreError as exc:
            report.fault(key, f"unreadable: {exc}")
        progress(key)
    _check_manifests(store, report, progress)
    return report


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
    resolved: dict[tuple[str, str | None], str | None] = {}
    try:
        latest = json.loads(store.get(LATEST_MANIFEST))
    except (KeyNotFound, ValueError):
        latest = None
    for key in store.list(MANIFEST_PREFIX):
        if run_of_manifest(key) is None:
            continue
        try:
            body = gzip.decompress(store.get(key))
        except (OSError, EOFError, zlib.error):
            continue  # already reported as not parsing
        if latest and latest.get("manifest_key") == key and latest.get("sha256"):
            pinned = store.get(key, latest.get("manifest_version_id")) if latest.get("manifest_version_id") else None
            checked = gzip.decompress(pinned) if pinned is not None else body
            if hashlib.sha256(checked).hexdigest() != latest["sha256"]:
                report.fault(key, f"does not match the sha256 that {LATEST_MANIFEST} gives for it")
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


def _check_line(store: Store, line: dict, resolved: dict, report: VerifyReport, where: str) -> None:
    record_sha = line["record"]["text_sha256"]
    doc = (line["doc_key"], line.get("doc_version_id"))
    if doc not in resolved:
        try:
            resolved[doc] = json.loads(store.get(*doc))["text_sha256"]
        except KeyNotFound:
            resolved[doc] = None
        except (ValueError, KeyError):
            resolved[doc] = "unparsable"
    if resolved[doc] is None:
        report.fault(doc[0], f"version {doc[1]} named by {where} does not resolve")
    elif resolved[doc] != record_sha:
        report.fault(doc[0], f"version {doc[1]} holds text {resolved[doc]}, {where} says {record_sha}")
    text = (line["text_key"], line.get("text_version_id"))
    if text not in resolved:
        try:
            resolved[text] = hashlib.sha256(store.get(*text)).hexdigest()
        except KeyNotFound:
            resolved[text] = None
    if resolved[text] is None:
        report.fault(text[0], f"version {text[1]} named by {where} does not resolve")
    elif resolved[text] != record_sha:
        report.fault(text[0], f"version {text[1]} named by {where} hashes to {resolved[text]}, not {record_sha}")
