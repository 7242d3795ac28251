"""Ground truth: what a perfect crawl and extraction of the simulated web would yield on a day."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simweb.model import World


def ground_truth(world: World, day: int, base_urls: Mapping[str, str] | Any) -> list[dict]:
    """One record per document online that day, its URL under the base URLs (a site-id mapping or a SimWeb)."""
    if not isinstance(base_urls, Mapping):
        base_urls = base_urls.base_urls()
    rows = []
    for doc in world.documents_on(day):
        column = world.site(doc.site_id).column(doc.column)
        rows.append({
            "url": base_urls[doc.site_id].rstrip("/") + doc.path,
            "site_id": doc.site_id,
            "column": column.name,
            "kind": doc.kind,
            "is_plan": doc.is_plan,
            "title": doc.title,
            "published": doc.published.date().isoformat(),
            "written": doc.written.isoformat() if doc.written else None,
            "doc_number": doc.doc_number,
            "index_number": doc.index_number,
            "agency": doc.agency,
            "plan_year": doc.plan_year,
            "text": doc.revision_on(day).text,
            "robots_disallowed": column.robots_disallowed,
            "version": doc.version_on(day),
        })
    return rows
