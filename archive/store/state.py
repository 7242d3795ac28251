"""Per-site crawl state (`state/sites/<site>.json`): what was seen, with validators.

State is read, changed and written back; the write is conditional on the
state being as it was read, so two runs of one site cannot silently undo
each other's work (the loser gets a WriteConflict naming the site).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from archive.store import KeyNotFound, Store, StoreError, WriteConflict
from archive.store.keys import state_key


@dataclass
class SiteState:
    """The documents a site has yielded, by URL, with their HTTP validators, and every URL its lists showed.

    `listed` holds plans and non-plans alike: a nightly run stops paging at the
    first list page whose every entry is in it.
    """

    site_id: str
    updated_at: str | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    listed: list[str] = field(default_factory=list)
    # The bytes this state was read from (None for a site never crawled): the condition of the next write.
    read_as: bytes | None = field(default=None, repr=False, compare=False)


class StateConflict(StoreError):
    """Another writer changed a site's state between our read and our write."""


def load_state(store: Store, site_id: str) -> SiteState:
    """A site's state, or an empty one for a site never crawled."""
    try:
        raw = store.get(state_key(site_id))
    except KeyNotFound:
        return SiteState(site_id)
    data = json.loads(raw)
    return SiteState(site_id=site_id, updated_at=data.get("updated_at"), documents=data.get("documents", {}),
                     listed=data.get("listed", []), read_as=raw)


def save_state(store: Store, state: SiteState) -> None:
    """Write a site's state back, only if nobody changed it since it was read."""
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
