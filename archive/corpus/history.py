"""A document's history: the versions of its record, their texts, and the diff between two of them."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime

from archive.store import Store
from archive.store.keys import doc_key


class HistoryError(LookupError):
    """No such document, or no such version of it."""


@dataclass(frozen=True)
class DocVersion:
    """One version of `docs/<doc_id>.json`; `number` counts from 1, the oldest."""

    number: int
    version_id: str
    modified: datetime
    text_sha256: str
    text_key: str
    title: str
    fetched_at: str
    change: str


def document_history(store: Store, doc_id: str) -> list[DocVersion]:
    """Every version of a document's record, oldest first, each saying what changed from the one before."""
    key = doc_key(doc_id)
    stored = list(reversed(store.versions(key)))
    if not stored:
        raise HistoryError(f"{store.describe_key(key)}: no such document; ids are listed by `wjw export --format jsonl`")
    history: list[DocVersion] = []
    previous: dict | None = None
    for number, version in enumerate(stored, start=1):
        record = json.loads(store.get(key, version.version_id))
        history.append(DocVersion(
            number=number, version_id=version.version_id, modified=version.modified,
            text_sha256=record["text_sha256"], text_key=record["text_key"], title=record["title"],
            fetched_at=record.get("fetched_at", ""), change=_change(previous, record),
        ))
        previous = record
    return history


def _change(previous: dict | None, record: dict) -> str:
    """What a version changed: first, text, removed or served again, metadata (naming the fields) or duplicates."""
    if previous is None:
        return "first"
    if previous["text_sha256"] != record["text_sha256"]:
        return "text"
    was, now = previous.get("status") or "live", record.get("status") or "live"
    if was != now:
        return f"removed (first found gone {record.get('removed_at')})" if now == "removed" else "served again"
    links = {"duplicates", "cluster_id", "canonical_id"}
    fields = sorted(k for k in record.keys() | previous.keys()
                    if k not in ("fetched_at", "last_seen") and previous.get(k) != record.get(k))
    if fields and set(fields) <= links:
        return "duplicates"
    return "metadata: " + ", ".join(f for f in fields if f not in links) if fields else "none"


def pick_version(history: list[DocVersion], which: str) -> DocVersion:
    """A version by number (1 = oldest, -1 = newest) or by version id."""
    try:
        number = int(which)
    except ValueError:
        number = None
    if number is not None and number != 0 and abs(number) <= len(history) and len(which) < 10:
        return history[number - 1] if number > 0 else history[number]
    for version in history:
        if version.version_id == which:
            return version
    raise HistoryError(f"no version {which!r}; this document has versions 1..{len(history)}")


def text_diff(store: Store, older: DocVersion, newer: DocVersion, context: int = 2) -> str:
    """A unified diff of two versions' texts, line by line."""
    a = store.get(older.text_key).decode("utf-8").splitlines()
    b = store.get(newer.text_key).decode("utf-8").splitlines()
    return "\n".join(difflib.unified_diff(
        a, b, fromfile=f"v{older.number} {older.version_id} {older.text_sha256[:16]}",
        tofile=f"v{newer.number} {newer.version_id} {newer.text_sha256[:16]}", lineterm="", n=context))
