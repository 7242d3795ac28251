"""Revisit benchmark: 30 nightly crawls over simweb after a backfill, with the plans simweb edits meanwhile.

Measures what the adaptive revisit schedule (archive/store/revisits.py) costs
and what it finds: per night, the requests of the nightly against what its
lists alone cost (robots.txt and list pages), and for every edit simweb makes
(simweb/calendar.py EDITS and LATER_EDITS, the truth's `version`) the nights
until the archive stored the new text. Each night is a real run (`wjw run`'s
pipeline, real HTTP on loopback) with simweb moved to that day; the site's
state counts the nights.

The sites are simweb v1's six (the densest publishers, so the hardest case for
the ratio): a night of six sites costs a few seconds, and the figures are
ratios, not totals. `--quick` runs two sites for ten nights.

    uv run python bench/revisits.py [--quick]

Prints a line per night and ends with
`nochange_request_ratio=… change_delay_nights_max=… edits=N edits_found=N`.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.registry import sites_from_rows
from archive.run.captures import read_captures
from archive.run.crawl import CrawlOptions
from archive.run.ingest import doc_id_for
from archive.run.pipeline import run_pipeline
from archive.store import open_store
from archive.store.revisits import MAX_INTERVAL
from simweb import LOOPBACK_CRAWL_SETTINGS, SimWeb, build_world
from simweb.sites import V1_SITES

NIGHTS = 30
ADAPTIVE = (*LOOPBACK_CRAWL_SETTINGS, ("WJW_REVISIT_SCHEDULE", "adaptive"))
QUICK_NIGHTS = 10
QUICK_SITES = ("sim-hb-wjw", "sim-yz-wjw")


def figures(quick: bool = False) -> dict:
    """Run the backfill and the nights; return the figures with per-night detail."""
    nights = QUICK_NIGHTS if quick else NIGHTS
    site_ids = QUICK_SITES if quick else tuple(site.id for site in V1_SITES)
    world = build_world()
    with tempfile.TemporaryDirectory(prefix="wjw-revisits-") as tmp, SimWeb(world, day=0) as web:
        store = open_store(f"{tmp}/store")
        sites = [s for s in sites_from_rows(web.registry_rows()) if s.id in site_ids]
        edits = _edits(world, web, site_ids, nights)
        started = time.perf_counter()
        run_pipeline(store, sites, CrawlOptions(mode="backfill", settings=LOOPBACK_CRAWL_SETTINGS))
        backfill_s = time.perf_counter() - started
        detail = []
        for night in range(1, nights + 1):
            web.set_day(night)
            started = time.perf_counter()
            report = run_pipeline(store, sites, CrawlOptions(mode="nightly", settings=ADAPTIVE))
            seconds = time.perf_counter() - started
            changed = {doc_id for site in report.sites for doc_id in site.changed_ids}
            for edit in edits:
                if edit["found_night"] is None and edit["night"] <= night and edit["doc_id"] in changed:
                    edit["found_night"] = night
            detail.append(_night(night, report, store, seconds))
    found = [e for e in edits if e["found_night"] is not None]
    delays = [e["found_night"] - e["night"] for e in found]
    return {
        "sites": list(site_ids),
        "nights": nights,
        "nochange_request_ratio": round(sum(d["ratio"] for d in detail) / len(detail), 4),
        "change_delay_nights_max": max(delays, default=None),
        "change_delay_nights_mean": round(sum(delays) / len(delays), 2) if delays else None,
        "change_delay_bound_nights": MAX_INTERVAL,
        "edits": len(edits),
        "edits_found": len(found),
        "backfill_s": round(backfill_s, 1),
        "night_s_mean": round(sum(d["seconds"] for d in detail) / len(detail), 1),
        "per_night": detail,
        "per_edit": edits,
    }


def _edits(world, web, site_ids: tuple[str, ...], nights: int) -> list[dict]:
    """Every edit simweb makes to these sites' plans on nights 1..nights: which document, which night."""
    urls = web.base_urls()
    out = []
    for doc in world.documents:
        if doc.site_id not in site_ids or not doc.is_plan:
            continue
        url = urls[doc.site_id].rstrip("/") + doc.path
        for revision in doc.revisions[1:]:
            if 1 <= revision.day <= nights and revision.day > doc.first_day:
                out.append({"doc_id": doc_id_for(doc.site_id, url), "url": url, "night": revision.day,
                            "found_night": None})
    return sorted(out, key=lambda e: (e["night"], e["url"]))


def _night(night: int, report, store, seconds: float) -> dict:
    """One night's requests by kind (from its WARCs) and its ratio to what the lists alone cost."""
    kinds: dict[str, int] = {}
    for site in report.sites:
        if not site.warc_key:
            continue
        for capture in read_captures(io.BytesIO(store.get(site.warc_key))):
            kind = capture.kind
            if kind == "detail":
                kind = {200: "detail", 304: "detail_304"}.get(capture.status, "detail_other")
            kinds[kind] = kinds.get(kind, 0) + 1
    lists = kinds.get("robots", 0) + kinds.get("list", 0)
    requests = sum(kinds.values())
    return {"night": night, "requests": requests, "robots_and_lists": lists, "ratio": round(requests / max(1, lists), 4),
            "by_kind": kinds, "new": report.total("new"), "changed": report.total("changed"),
            "removed": report.total("removed"), "seconds": round(seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    """Run, print a line per night, write bench/results/revisits.json, end with the figures line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"two sites, {QUICK_NIGHTS} nights")
    args = parser.parse_args(argv)
    result = figures(quick=args.quick)
    for night in result["per_night"]:
        print(f"night {night['night']:>2}: {night['requests']:>4} requests, {night['robots_and_lists']:>3} robots+lists, "
              f"ratio {night['ratio']:.3f}, new {night['new']}, changed {night['changed']}, {night['seconds']} s")
    for edit in result["per_edit"]:
        print(f"edit night {edit['night']:>2} found {edit['found_night']}: {edit['url']}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "revisits.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"backfill {result['backfill_s']} s, a night {result['night_s_mean']} s on average; "
          f"a change is found within {result['change_delay_bound_nights']} nights at most (the schedule's cap)")
    print(f"nochange_request_ratio={result['nochange_request_ratio']} "
          f"change_delay_nights_max={result['change_delay_nights_max']} edits={result['edits']} "
          f"edits_found={result['edits_found']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
