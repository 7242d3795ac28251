"""Ground truth: what a perfect crawl and extraction of the simulated web would yield on a day."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from simweb import faults, mechanics
from simweb.bodies import cn_date
from simweb.families import family_of
from simweb.model import Document, Revision, Site, World


def shown_metadata(site: Site, doc: Document, revision: Revision) -> dict[str, Any]:
    """成文日期, 文号 and 索引号 as the page shows them, None where it does not print them.

    The family's renderer says which fields its table prints (`metadata_shown`: an aggregator copy or a page with
    nothing to index or number has no table); a notice also prints its 成文日期 as the date under its signature.
    """
    shown = family_of(site).metadata_shown(site, doc)
    signed = doc.written is not None and any(
        p.role == "signature" and p.text == cn_date(doc.written) for p in revision.paragraphs)
    written = doc.written if "written" in shown or signed else None
    return {
        "written": written.isoformat() if written else None,
        "doc_number": doc.doc_number if "doc_number" in shown else None,
        "index_number": doc.index_number if "index_number" in shown else None,
    }


def ground_truth(world: World, day: int, base_urls: Mapping[str, str] | Any) -> list[dict]:
    """One record per document online that day, its URL under the base URLs (a site-id mapping or a SimWeb).

    `written`, `doc_number` and `index_number` are what the page prints (see `shown_metadata`), None where it
    prints nothing. `text` is the plan's clean text: for a cover notice (`cover_notice`), the attached file's text,
    the page's own short text being `page_text`. `faults` names what the server does wrong to this document that day;
    `reachable` says whether a polite crawler can still get its text despite them.
    """
    if not isinstance(base_urls, Mapping):
        base_urls = base_urls.base_urls()
    served: dict[tuple[str, str], list[str]] = {}
    site_wide: dict[str, list[str]] = {}
    for site, path, fault, _ in faults.served(world, day):
        if fault in ("blocked_by_waf", "spam_footer"):
            site_wide.setdefault(site.id, []).append(fault)
        elif fault != "tracking_params":
            served.setdefault((site.id, path), []).append(fault)
        else:
            served.setdefault((site.id, path.partition("?")[0]), []).append(fault)
    rows = []
    for doc in world.documents_on(day):
        site = world.site(doc.site_id)
        column = site.column(doc.column)
        base = base_urls[doc.site_id].rstrip("/")
        names = list(site_wide.get(doc.site_id, [])) + served.get((doc.site_id, doc.path), [])
        if column.robots_disallowed:
            names.append("robots_disallowed")
        group = [d for d in world.documents_in_group(doc.group) if d is not doc and d.exists_on(day)] if doc.group else []
        source = next((d for d in world.documents_in_group(doc.group) if d.source), None) if doc.group else None
        revision = doc.revision_on(day)
        page_text = revision.text
        rows.append({
            "url": base + doc.path,
            "site_id": doc.site_id,
            "column": column.name,
            "kind": doc.kind,
            "is_plan": doc.is_plan,
            "title": doc.title,
            "published": doc.published.date().isoformat(),
            **shown_metadata(site, doc, revision),
            "agency": doc.agency,
            "plan_year": doc.plan_year,
            "text": doc.attachment.text if doc.cover_notice else page_text,
            "robots_disallowed": column.robots_disallowed,
            "version": doc.version_on(day),
            "level": site.level,
            "region_code": site.region_code,
            "cms": site.cms,
            "encoding": site.body_encoding,
            "declared_charsets": {"header": site.header_charset, "meta": site.meta_charset},
            "cover_notice": doc.cover_notice,
            "page_text": page_text,
            "attachment_url": base + doc.attachment.target if doc.attachment else None,
            "attachment_type": doc.attachment.kind if doc.attachment else None,
            "attachment_content_type": doc.attachment.content_type if doc.attachment else None,
            "duplicate_group": doc.group,
            "duplicates": [base_urls[d.site_id].rstrip("/") + d.path for d in group],
            "canonical_url": base_urls[source.site_id].rstrip("/") + source.path if source else None,
            "faults": names,
            # The list mechanics a crawler must handle to reach it (simweb.mechanics): form_pager, script_list, frame,
            # gbk_query, cut_title, file_plan; empty on the CMS families' sites.
            "mechanisms": mechanics.mechanisms(site, doc) if site.shape in mechanics.SHAPES else [],
            "reachable": not (set(names) & faults.BLOCKING),
        })
    return rows


_SERIAL = {
    "index_number": re.compile(r"/(?P<year>\d{4})-(?P<serial>\d+)$"),  # simweb.world: f"{org_code}/{year}-{n:05d}"
    "doc_number": re.compile(r"〔(?P<year>\d{4})〕(?P<serial>\d+)号$"),  # f"{prefix}〔{year}〕{n}号"
}


def unpublished_serials(world: World) -> list[dict]:
    """The serials each site's counters skipped: numbers issued (below a later one) that no page ever shows.

    A site numbers its 索引号 and its 文号 per year, all kinds of document
    alike, and steps over numbers as an agency does for what it never
    publishes. Copies on other sites carry their source's 文号 and are left out.
    """
    used: dict[tuple[str, str, int], set[int]] = {}
    for doc in world.documents:
        if doc.group and not doc.source:
            continue
        for kind, pattern in _SERIAL.items():
            match = pattern.search(getattr(doc, kind) or "")
            if match:
                used.setdefault((doc.site_id, kind, int(match["year"])), set()).add(int(match["serial"]))
    return [{"site_id": site_id, "kind": kind, "year": year, "serial": n}
            for (site_id, kind, year), serials in sorted(used.items())
            for n in range(1, max(serials)) if n not in serials]


def write_truth(out, day: int = 0, seed: int = 0, port: int = 8477) -> int:
    """Write a day's ground truth as JSONL: {"document": row}, {"fault": …}, {"unpublished_serial": …}, then
    {"removal": …} lines (simweb.removals.removal_truth, every day's, with the URL).

    Returns the document count.

    URLs are those `wjw simweb serve --port PORT` serves (site N on 127.77.0.N), without starting a server.
    """
    import json
    from pathlib import Path

    from simweb import faults as fault_module
    from simweb.removals import removal_truth
    from simweb.server import HOST_PREFIX
    from simweb.world import build_world

    world = build_world(seed)
    base_urls = {site.id: f"http://{HOST_PREFIX}{n}:{port}/" for n, site in enumerate(world.sites, start=1)}
    rows = ground_truth(world, day, base_urls)
    with Path(out).open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps({"document": row}, ensure_ascii=False) + "\n" for row in rows)
        for site, path, fault, detail in fault_module.served(world, day):
            url = base_urls[site.id].rstrip("/") + path
            handle.write(json.dumps({"fault": {"site_id": site.id, "url": url, "fault": fault, "day": day, "detail": detail}},
                                    ensure_ascii=False) + "\n")
        handle.writelines(json.dumps({"unpublished_serial": serial}) + "\n" for serial in unpublished_serials(world))
        handle.writelines(json.dumps({"removal": row | {"url": base_urls[row["site_id"]].rstrip("/") + row["path"]}},
                                     ensure_ascii=False) + "\n" for row in removal_truth(world))
    return len(rows)
