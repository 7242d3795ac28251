"""Keep a site's crawl state true to the store: advance it by merging outcomes, rebuild it when unreadable.

State is a cache (DESIGN.md): the store's documents and WARCs are the truth, so
a state file that is torn or corrupted costs a rebuild, never the site, and a
write that loses a race to another run is read again and merged, not dropped.
"""

from __future__ import annotations

import json
from typing import Callable

from archive.records import Document
from archive.run.captures import read_crawl_summary
from archive.store import Store
from archive.store.keys import DOCS_PREFIX, WARC_PREFIX, doc_id_of, parse_warc_key
from archive.store.state import SiteState, StateConflict, StateUnreadable, load_state, save_state

# How often a conditional write is retried after another run changed the state meanwhile.
MERGE_ATTEMPTS = 8


def load_or_rebuild(store: Store, site_id: str, warn: Callable[[str], None] = lambda _: None) -> SiteState:
    """The site's state; an unreadable one is rebuilt from the store (and `warn` told why)."""
    try:
        return load_state(store, site_id)
    except StateUnreadable as exc:
        warn(str(exc))
        state = rebuild_state(store, site_id)
        state.read_as = exc.raw
        return state


def advance_state(store: Store, site_id: str, change: Callable[[SiteState], bool],
                  warn: Callable[[str], None] = lambda _: None) -> SiteState:
    """Apply `change` to the newest state and write it; on a conflict read again and re-apply.

    `change` mutates the state it is given and returns whether anything changed
    (nothing is written otherwise). It must be a merge (add outcomes, never drop
    another run's), so re-applying it over a state another run advanced keeps both.
    """
    for _ in range(MERGE_ATTEMPTS):
        state = load_or_rebuild(store, site_id, warn)
        if not change(state):
            return state
        try:
            save_state(store, state)
            return state
        except StateConflict:
            continue
    raise StateConflict(f"site {site_id}: crawl state kept changing under {MERGE_ATTEMPTS} attempts to update it; "
                        f"run the site again")


def rebuild_state(store: Store, site_id: str) -> SiteState:
    """The state a site's stored documents and WARCs imply: documents from docs/, settled entries from the WARCs.

    HTTP validators are not kept in records, so the first revisit after a rebuild
    is unconditional. Revisit schedules are lost too: the night count restarts
    from the nightly WARCs stored, and every document is due within a few nights
    (archive.store.revisits.SOON), never left unvisited.
    """
    state = SiteState(site_id)
    for key in store.list(f"{DOCS_PREFIX}{site_id}-"):
        if doc_id_of(key) is None:
            continue
        try:
            record = Document.from_dict(json.loads(store.get(key)))
        except (ValueError, TypeError, KeyError):
            continue  # verify names a broken record; the page is fetched again
        if record.site_id != site_id:
            continue
        seen = getattr(record, "first_seen", None) or record.fetched_at
        entry = {"doc_id": record.doc_id, "text_sha256": record.text_sha256,
                 "first_seen": seen, "last_seen": record.last_seen or record.fetched_at}
        if record.status == "removed":
            # Still revisited every night, so that a document served again is restored.
            entry |= {"gone": 1, "gone_since": record.removed_at, "removed": True}
        state.documents[record.source_url] = entry
    listed: set[str] = set()
    for key in store.list(WARC_PREFIX):
        warc = parse_warc_key(key)
        if warc is None or warc.site_among([site_id]) is None:
            continue
        summary = read_crawl_summary(store, key)
        if summary is not None and summary.site_id == site_id:
            listed.update(summary.listed)
            state.night += summary.mode == "nightly"
    state.listed = sorted(listed - set(state.documents))
    return state
