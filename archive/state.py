"""Per-site crawl state (`state/sites/<site>.json`): what was seen, with validators."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from archive.store import KeyNotFound, Store


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


def state_key(site_id: str) -> str:
    """The store key of a site's state."""
    return f"state/sites/{site_id}.json"


def load_state(store: Store, site_id: str) -> SiteState:
    """A site's state, or an empty one for a site never crawled."""
    try:
        data = json.loads(store.get(state_key(site_id)))
    except KeyNotFound:
        return SiteState(site_id)
    return SiteState(site_id=site_id, updated_at=data.get("updated_at"), documents=data.get("documents", {}),
                     listed=data.get("listed", []))


def save_state(store: Store, state: SiteState) -> None:
    """Write a site's state back to the store."""
    body = json.dumps(asdict(state), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    store.put(state_key(state.site_id), body, content_type="application/json")
