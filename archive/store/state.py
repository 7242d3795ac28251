"""Per-site crawl state (`state/sites/<site>.json`): what was seen, with validators.

State is a cache of the store, never the only copy of anything: a run reads it
to know where to stop paging and what to revisit, and advances it only after
the store holds the outcomes it records (DESIGN.md, the commit protocol). A
state that cannot be read is rebuilt from the documents and WARCs the store
holds. Writes are conditional on the state being as it was read; a run that
loses the race reads again and merges its outcomes in, so two runs never undo
each other's work.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from archive.store.revisits import is_due
from archive.store import KeyNotFound, Store, StoreError, WriteConflict
from archive.store.keys import state_key

@dataclass
class SiteState:
    """The documents a site has yielded, by URL, with their HTTP validators, and the list entries settled.

    `listed` holds the URLs whose outcome the store already reflects without a
    document (list entries whose titles are not plans, detail pages skipped with
    a reason): a nightly run stops paging at the first list page whose every
    entry is listed or a document.
    """

    site_id: str
    updated_at: str | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    listed: list[str] = field(default_factory=list)
    # Detail pages fetched and settled without a document (not a plan once read, empty, not text), by reason:
    # not fetched again until they are due for a revisit.
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)
    # Nightly crawls ingested so far, the clock of the revisit schedule (archive.run.revisits), and the WARC
    # that counted last, so ingesting that WARC again counts no second night.
    night: int = 0
    night_warc: str | None = None
    # The bytes this state was read from (None for a site never crawled): the condition of the next write.
    read_as: bytes | None = field(default=None, repr=False, compare=False)

    def known(self) -> dict[str, dict[str, Any]]:
        """What the spider needs of the state: every settled URL, with validators for documents and whether
        each is due for a revisit on the next night."""
        known: dict[str, dict[str, Any]] = {url: {} for url in self.listed}
        known |= {url: {"settled": entry.get("reason", ""), "first_seen": entry.get("first_seen")}
                  for url, entry in self.skipped.items()}
        known |= {url: {"document": True, "due": is_due(url, entry, self.night + 1)}
                  | {k: v for k, v in entry.items() if k in _FOR_THE_SPIDER}
                  for url, entry in self.documents.items()}
        return known


# What a crawl reads of a document's entry: validators for conditional requests, whether it was found gone,
# its revisit schedule (archive.run.revisits) and where its list last showed it (to see a changed entry).
_FOR_THE_SPIDER = ("etag", "last_modified", "first_seen", "gone", "removed", "interval", "next_revisit", "column",
                   "listed_title", "listed_date")


class StateConflict(StoreError):
    """Another writer changed a site's state between our read and our write."""


class StateUnreadable(StoreError):
    """A site's state object exists but is not a state: torn, corrupted or hand-edited."""

    def __init__(self, site_id: str, message: str, raw: bytes) -> None:
        super().__init__(message)
        self.site_id = site_id
        self.raw = raw


def load_state(store: Store, site_id: str) -> SiteState:
    """A site's state, or an empty one for a site never crawled; StateUnreadable names a broken one."""
    key = state_key(site_id)
    try:
        raw = store.get(key)
    except KeyNotFound:
        return SiteState(site_id)
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        documents, listed = data.get("documents", {}), data.get("listed", [])
        if not isinstance(documents, dict) or not all(isinstance(v, dict) for v in documents.values()):
            raise ValueError("'documents' is not an object of objects")
        if not isinstance(listed, list) or not all(isinstance(u, str) for u in listed):
            raise ValueError("'listed' is not a list of URLs")
        skipped = data.get("skipped", {})
        if not isinstance(skipped, dict) or not all(isinstance(v, dict) for v in skipped.values()):
            raise ValueError("'skipped' is not an object of objects")
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = "empty" if not raw.strip() else str(exc).splitlines()[0][:120]
        raise StateUnreadable(site_id, f"{store.describe_key(key)}: unreadable crawl state ({reason}); "
                                       f"rebuilding it from the store", raw) from None
    night = data.get("night", 0)
    if not isinstance(night, int) or night < 0:
        night = 0  # a clock that cannot be read restarts: every schedule then reads as overdue or soon
    return SiteState(site_id=site_id, updated_at=data.get("updated_at"), documents=documents, listed=listed,
                     skipped=skipped, night=night, night_warc=data.get("night_warc"), read_as=raw)


def save_state(store: Store, state: SiteState) -> None:
    """Write a site's state back, only if nobody changed it since it was read (else StateConflict)."""
    data = {k: v for k, v in asdict(state).items() if k != "read_as"}
    body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    key = state_key(state.site_id)
    try:
        if state.read_as is None:
            if not store.put(key, body, if_absent=True, content_type="application/json").written:
                raise WriteConflict(f"{store.describe_key(key)}: created by another writer meanwhile")
        else:
            store.replace(key, body, state.read_as, content_type="application/json")
    except WriteConflict as exc:
        raise StateConflict(f"site {state.site_id}: crawl state changed by another run; run the site again ({exc})") from None
    state.read_as = body
