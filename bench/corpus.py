"""The corpus a researcher reads: search against a substring scan, export stability, serial gaps, the web view.

On simweb days 0–5 archived one run a day (or a store given with
``--store`` and ``--crawled-days`` that already holds them, one run per day in
order):

- search: 200 queries of 2 to 8 characters drawn from the corpus's titles and
  texts (seeded); recall and precision of `wjw search` against a plain
  substring scan of every indexed title and text, micro-averaged; median query
  time over the demo corpus and over the same corpus copied 8 times.
- export_renamed: txt exports as of day 0 and day 1; documents in both, with
  the same text, whose file name changed.
- gaps_recall: simweb's truth of serials never published (``unpublished_serials``)
  that lie below the highest serial its plans print (outside columns robots.txt
  fences off, which the crawler never fetches), for the series the
  archive holds, and how many of them `wjw gaps` reports missing.
- screenshots of the list (searched and filtered), a document's diff and the
  corpus page, in Chromium, under bench/results/ (and a removed document's page).
- removals against `simweb.removals.removal_truth` (dozens of 404s, 410s,
  soft-404 notices, documents delisted then gone, taken down and back, passing
  404/5xx, delisted but served): removed_found, the share owed a removal
  (gone on WJW_REMOVAL_NIGHTS crawls in a row) marked removed dated by the run
  that first found it gone, and live again if served again; removed_false,
  documents ever marked removed that were not owed it; transient_removed, those
  of them that had only a passing fault. simweb's removals fall on days 1-3,
  so the default crawls days 0-5 (three nights to confirm day 3's).

Run: ``uv run python bench/corpus.py [--store DIR --crawled-days 0,1,2,3,4,5] [--queries 200]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.corpus.export import export_corpus
from archive.corpus.gaps import corpus_gaps
from archive.corpus.health import load_reports
from archive.corpus.history import document_history
from archive.corpus.manifest import read_manifest
from archive.corpus.search import SearchIndex, pinned_text
from archive.corpus.select import CorpusFilter
from archive.store import open_store
from archive.store.keys import doc_key

RESULTS = ROOT / "bench" / "results"
EVERY = CorpusFilter(include_duplicates=True, status="all")


def bench_removals(store, lines: list[dict], days: list[int], started: list[str]) -> dict:
    """Which documents simweb took down are marked removed, dated right, and live again if they came back; which others are.

    Against `simweb.removals.removal_truth`: a document is owed a removal when it
    answered gone on WJW_REMOVAL_NIGHTS crawls in a row, dated by the first of
    them (the run that first found it gone); one served again by the last crawl
    is owed both events, ending live. Every other document (passing 404/5xx,
    delisted but served, never touched) must never have been marked removed.
    """
    from simweb import build_world
    from simweb.removals import expected_removal, removal_truth, served_again

    nights = int(os.environ.get("WJW_REMOVAL_NIGHTS", "3"))
    # By site and path: the store's URLs carry the port of the simweb that was crawled.
    truth = {(r["site_id"], r["path"]): r for r in removal_truth(build_world())}
    owed, found, false, transient, wrong_day = 0, 0, [], [], []
    for line in lines:
        record = line["record"]
        url = urlsplit(record["source_url"])
        row = truth.get((record["site_id"], url.path + (f"?{url.query}" if url.query else "")))
        gone_at = expected_removal(row, days, nights) if row else None
        marked = [v for v in _statuses(store, record["doc_id"]) if v[0] == "removed"]
        if gone_at is None:
            if marked or record.get("status") == "removed":
                false.append(record["doc_id"])
                if row and row["kind"] == "transient":
                    transient.append(record["doc_id"])
            continue
        owed += 1
        final = "live" if served_again(row, days) else "removed"
        day_right = bool(marked) and started[gone_at][:19] <= marked[0][1][:19] < (
            started[gone_at + 1][:19] if gone_at + 1 < len(started) else "9")
        if not day_right:
            wrong_day.append(record["doc_id"])
        if marked and record.get("status") == final and day_right:
            found += 1
    kinds: dict[str, int] = {}
    for row in truth.values():
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return {"owed": owed, "found": found, "recall": found / owed if owed else 1.0, "false": len(false),
            "transient": len(transient), "wrong_day": len(wrong_day), "false_ids": false,
            "wrong_day_ids": wrong_day, "truth_kinds": kinds, "nights": nights}


def _statuses(store, doc_id: str) -> list[tuple[str, str]]:
    """(status, removed_at) of every version of a record, oldest first."""
    out = []
    for version in reversed(store.versions(doc_key(doc_id))):
        record = json.loads(store.get(doc_key(doc_id), version.version_id))
        out.append((record.get("status") or "live", record.get("removed_at") or ""))
    return out


def crawl_days(store_dir: Path, days: list[int]) -> None:
    """Archive simweb one run per day, as `wjw demo --day N` does."""
    from archive.records import Site
    from archive.run.crawl import CrawlOptions
    from archive.run.pipeline import run_pipeline
    from simweb import LOOPBACK_CRAWL_SETTINGS, SimWeb, build_world

    store = open_store(str(store_dir))
    with SimWeb(build_world(), day=days[0]) as web:
        sites = [Site.from_dict(row) for row in web.registry_rows()]
        for day in days:
            web.set_day(day)
            started = time.monotonic()
            report = run_pipeline(store, sites, CrawlOptions(mode="nightly", settings=LOOPBACK_CRAWL_SETTINGS), workers=3)
            print(f"day {day}: run {report.run_id}, {report.total('new')} new, {report.total('changed')} changed "
                  f"({time.monotonic() - started:.0f} s)", flush=True)


def draw_queries(texts: list[tuple[str, str]], n: int, rng: random.Random) -> list[str]:
    """n substrings of 2 to 8 characters (each length equally often) from titles and texts, no whitespace inside."""
    queries: list[str] = []
    while len(queries) < n:
        size = 2 + len(queries) % 7
        title, text = rng.choice(texts)
        source = title if rng.random() < 0.2 else text
        if len(source) <= size:
            continue
        at = rng.randrange(len(source) - size)
        query = source[at:at + size]
        if query.strip() == query and not any(c.isspace() for c in query):
            queries.append(query)
    return queries


def bench_search(index: SearchIndex, queries: list[str]) -> dict:
    """Recall and precision against a substring scan, and the median time of a query (count plus first 20 hits)."""
    rows = index.db.execute("SELECT doc_id, title, text FROM docs").fetchall()
    expected_total = found_total = hits_right = 0
    for query in queries:
        expected = {doc_id for doc_id, title, text in rows if query in title or query in text}
        found = {h.doc_id for h in index.search(query, EVERY, limit=len(rows) + 1).hits}
        expected_total += len(expected)
        found_total += len(found)
        hits_right += len(expected & found)
    return {"recall": hits_right / expected_total if expected_total else 1.0,
            "precision": hits_right / found_total if found_total else 1.0,
            "p50_ms": median_ms(index, queries), "documents": len(rows)}


def median_ms(index: SearchIndex, queries: list[str]) -> float:
    """The median wall time of `search` over the queries, in milliseconds."""
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query, EVERY, limit=20)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def copied(lines: list[dict], copies: int) -> list[dict]:
    """The manifest's lines `copies` times over, each copy its own document."""
    out = []
    for k in range(copies):
        for line in lines:
            record = line["record"] | {"doc_id": f"{line['record']['doc_id']}-x{k}", "canonical_id": None}
            out.append(line | {"doc_key": f"{line['doc_key']}#x{k}", "record": record})
    return out


def export_renamed(store, runs: list[str], work: Path) -> dict:
    """Documents whose txt file was renamed between the day-0 and day-1 exports although their text is the same."""
    names = []
    for day, run_id in enumerate(runs[:2]):
        out = work / f"export-day{day}"
        export_corpus(store, out, "txt", run_id)
        index = [json.loads(row) for row in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
        names.append({row["doc_id"]: (row["text_sha256"], row["file"]) for row in index})
    before, after = names
    both = [d for d in before if d in after and before[d][0] == after[d][0]]
    renamed = [d for d in both if before[d][1] != after[d][1]]
    return {"renamed": len(renamed), "compared": len(both), "day0_files": len(before), "day1_files": len(after)}


def bench_gaps(lines: list[dict], days: list[int]) -> dict:
    """Recall of simweb's never-published serials, below the highest serial its plans print, in `corpus_gaps`."""
    from archive.corpus.gaps import parse_serial
    from simweb import build_world
    from simweb.truth import ground_truth, unpublished_serials

    world = build_world()
    base = {site.id: f"http://127.77.0.{n}:8477/" for n, site in enumerate(world.sites, start=1)}
    highest: dict[tuple, int] = {}
    for day in days:
        for row in ground_truth(world, day, base):
            # A plan in a column robots.txt fences off is never fetched, so its serials bound nothing the archive holds.
            if not row["is_plan"] or row["robots_disallowed"] or (row["canonical_url"] and row["canonical_url"] != row["url"]):
                continue
            for kind in ("index_number", "doc_number"):
                serial = parse_serial(kind, row[kind])
                if serial:
                    key = (row["site_id"], kind, serial.year)
                    highest[key] = max(highest.get(key, 0), serial.serial)
    found: dict[tuple, set[int]] = {}
    reported = 0
    for series in corpus_gaps(lines):
        found.setdefault((series.site_id, series.kind, series.year), set()).update(series.missing)
        reported += len(series.missing)
    truth = [t for t in unpublished_serials(world) if t["serial"] < highest.get((t["site_id"], t["kind"], t["year"]), 0)]
    hit = [t for t in truth if t["serial"] in found.get((t["site_id"], t["kind"], t["year"]), ())]
    unpublished = {(t["site_id"], t["kind"], t["year"], t["serial"]) for t in unpublished_serials(world)}
    true_reported = sum(1 for key, missing in found.items() for n in missing if (*key, n) in unpublished)
    return {"recall": len(hit) / len(truth) if truth else 1.0, "truth_serials": len(truth), "found": len(hit),
            "reported_missing": reported, "reported_truly_unpublished": true_reported}


def a_text_edit(store, lines: list[dict]) -> tuple[str, int] | None:
    """A document whose text changed between versions, and the number of that version (for the diff screenshot)."""
    for line in lines:
        if len(store.versions(doc_key(line["record"]["doc_id"]))) < 2:
            continue
        for version in document_history(store, line["record"]["doc_id"]):
            if version.change == "text":
                return line["record"]["doc_id"], version.number
    return None


def screenshots(store, index_path: Path, lines: list[dict]) -> dict:
    """The list (searched, filtered), a document's side-by-side diff, a removed document and the corpus page, as PNGs."""
    from archive.corpus.web import create_app
    from archive.run.browser import RenderUnavailable, find_chromium
    from testkit.webview import browser_page, served

    try:
        chromium = find_chromium()
    except RenderUnavailable as exc:
        return {"skipped": str(exc)}
    edit = a_text_edit(store, lines)
    shots = {}
    with served(create_app(store, index_path)) as base, browser_page(chromium, 1280, 1000) as page:
        page.goto(base + "/?q=" + "家庭医生" + "&province=" + "湖北省")
        shots["list"] = _shot(page, "corpus-list.png")
        if edit:
            doc_id, number = edit
            page.goto(f"{base}/doc/{doc_id}?from={number - 1}&to={number}")
            shots["document"] = _shot(page, "corpus-document.png", full_page=True)
        removed = next((line["record"]["doc_id"] for line in lines if line["record"].get("status") == "removed"), None)
        if removed:
            page.goto(f"{base}/doc/{removed}")
            shots["removed"] = _shot(page, "corpus-removed.png", full_page=True)
        page.goto(base + "/corpus")
        shots["corpus"] = _shot(page, "corpus-charts.png", full_page=True)
        page.goto(base + "/gaps?site=sim-hb-wjw")
        shots["gaps"] = _shot(page, "corpus-gaps.png")
    return shots


def _shot(page, name: str, full_page: bool = False) -> str:
    path = RESULTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return str(path.relative_to(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="A store that already holds one run per day (see --crawled-days).")
    # Days 4 and 5: simweb's removals of day 3 are confirmed by WJW_REMOVAL_NIGHTS (3) revisits in a row, and its
    # comebacks return on day 4.
    parser.add_argument("--crawled-days", default="0,1,2,3,4,5", help="The simweb days, in order, of the store's runs.")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    days = [int(d) for d in args.crawled_days.split(",")]
    work = Path(tempfile.mkdtemp(prefix="wjw-bench-corpus-"))
    os.environ["WJW_INDEX_DIR"] = str(work / "cache")  # the export numbering's cache, not the user's
    store_dir = args.store
    if store_dir is None:
        store_dir = work / "store"
        crawl_days(store_dir, days)
    store = open_store(str(store_dir))
    runs = [r["run_id"] for r in load_reports(store)]
    lines = list(read_manifest(store))
    print(f"corpus: {len(lines)} documents in the latest manifest, {len(runs)} runs (days {args.crawled_days})")

    index_path = work / "index.sqlite"
    started = time.perf_counter()
    with SearchIndex(index_path) as index:
        index.update(store)
        build_s = time.perf_counter() - started
        texts = [(t, x) for t, x in index.db.execute("SELECT title, text FROM docs")]
        queries = draw_queries(texts, args.queries, random.Random(args.seed))
        one = bench_search(index, queries)
    print(f"search 1x: {one['documents']} documents, index built in {build_s:.1f} s, recall {one['recall']:.3f}, "
          f"precision {one['precision']:.3f}, p50 {one['p50_ms']:.2f} ms over {len(queries)} queries")
    by_key = {line["doc_key"]: line for line in lines}
    started = time.perf_counter()
    with SearchIndex(work / "index-8x.sqlite") as big:
        big.apply(copied(lines, 8), lambda line: pinned_text(store, by_key[line["doc_key"].split("#")[0]]))
        build_8x = time.perf_counter() - started
        eight = bench_search(big, queries)
    print(f"search 8x: {eight['documents']} documents, index built in {build_8x:.1f} s, recall {eight['recall']:.3f}, "
          f"precision {eight['precision']:.3f}, p50 {eight['p50_ms']:.2f} ms")

    renamed = export_renamed(store, runs, work)
    print(f"export: {renamed['renamed']} of {renamed['compared']} unchanged documents renamed between the day-0 "
          f"({renamed['day0_files']} files) and day-1 ({renamed['day1_files']} files) exports")
    gaps = bench_gaps(lines, days)
    print(f"gaps: {gaps['found']} of {gaps['truth_serials']} never-published serials (below the highest a plan prints) "
          f"reported; {gaps['reported_missing']} reported missing, {gaps['reported_truly_unpublished']} of them "
          "never published (the rest are documents the archive does not keep)")
    shots = screenshots(store, index_path, lines)
    print("screenshots: " + ", ".join(f"{k} {v}" for k, v in shots.items()))

    removals = bench_removals(store, lines, days, [r["started_at"] for r in load_reports(store)])
    print(f"removals: {removals['found']} of {removals['owed']} taken-down documents marked removed on the right "
          f"run (and live again if they came back), {removals['false']} others ever marked removed "
          f"({removals['transient']} after a passing fault), {removals['wrong_day']} dated wrong; "
          f"truth: {removals['truth_kinds']}")

    figures = {"removals": removals, "documents": len(lines), "runs": runs, "days": days, "queries": len(queries), "search_1x": one,
               "search_8x": eight, "index_build_s": build_s, "index_build_8x_s": build_8x, "export": renamed,
               "gaps": gaps, "screenshots": shots}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "corpus.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"removed_found={removals['recall']:.3f} removed_false={removals['false']} "
          f"transient_removed={removals['transient']} search_recall={one['recall']:.3f} "
          f"search_precision={one['precision']:.3f} search_p50_ms={one['p50_ms']:.2f} "
          f"search_p50_ms_8x={eight['p50_ms']:.2f} export_renamed={renamed['renamed']} gaps_recall={gaps['recall']:.4f}")


if __name__ == "__main__":
    main()
