"""Scale: does a night cost per page, not per site? simweb with K × its sites, K = 1, 4, 16.

For each K, in a process of its own (so peak memory is that K's): a day-0
backfill into a fresh store, then the day-1 nightly, both as `wjw run` does
them (`run_pipeline`, 2 workers, politeness off on loopback). simweb serves
from another process, so its hundreds of server threads cost the measured run
nothing. Per run: wall time, requests, pages fetched (HTTP responses), peak
memory (the run's own process and its largest crawl child) and cost per page
(wall / pages). The figure is `cost_per_page_ratio_16x`: the backfill's cost
per page at 16× over 1× (must be ≤ 1.2).

    uv run python bench/scale.py            # K = 1, 4, 16 (about 20 min on 2 cores)
    uv run python bench/scale.py --quick    # K = 1, 16, backfills of each column's first 2 list pages

Writes bench/results/scale.json and ends with one line of figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "scale.json"
FULL_KS = (1, 4, 16)
QUICK_KS = (1, 16)
QUICK_MAX_PAGES = 2
WORKERS = 2


def serve(copies: int, rows_out, stop) -> None:
    """In a child process: serve simweb with `copies` copies, send its registry rows, move days on request."""
    from simweb import SimWeb, build_world

    with SimWeb(build_world(copies=copies), day=0) as web:
        rows_out.send(web.registry_rows())
        while True:
            message = stop.recv()
            if message == "stop":
                return
            web.set_day(int(message))
            rows_out.send("ok")


def measure_run(store, sites, options) -> dict:
    """One run of the pipeline: wall time, requests, pages, documents."""
    from archive.run.pipeline import run_pipeline

    started = time.monotonic()
    report = run_pipeline(store, sites, options, workers=WORKERS)
    wall = time.monotonic() - started
    requests = sum(int(s.scrapy_stats.get("downloader/request_count", 0)) for s in report.sites)
    pages = sum(int(s.scrapy_stats.get("downloader/response_count", 0)) for s in report.sites)
    crawl_s = max((s.seconds.get("crawl", 0) for s in report.sites), default=0)
    return {"wall_s": round(wall, 2), "requests": requests, "pages": pages, "documents": report.documents_total,
            "new": report.total("new"), "failed_sites": sum(1 for s in report.sites if s.failed),
            "longest_site_crawl_s": round(crawl_s, 2),
            "cost_per_page_ms": round(1000 * wall / max(1, pages), 3)}


def one_k(copies: int, quick: bool) -> dict:
    """Backfill then nightly over a world of `copies` copies; the figures of both runs and peak memory."""
    from archive.registry import sites_from_rows
    from archive.run.crawl import CrawlOptions
    from archive.store import open_store
    from simweb import LOOPBACK_CRAWL_SETTINGS

    rows_in, rows_out = multiprocessing.Pipe(duplex=False)
    control_in, control_out = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(copies, rows_out, control_in), daemon=True)
    server.start()
    try:
        sites = sites_from_rows(rows_in.recv())
        with tempfile.TemporaryDirectory(prefix="wjw-bench-scale-") as tmp:
            store = open_store(str(Path(tmp) / "store"))
            backfill = measure_run(store, sites, CrawlOptions(
                mode="backfill", settings=LOOPBACK_CRAWL_SETTINGS, max_pages=QUICK_MAX_PAGES if quick else None))
            result = {"copies": copies, "sites": len(sites), "backfill": backfill}
            if not quick:
                control_out.send("1")
                rows_in.recv()
                result["nightly"] = measure_run(store, sites, CrawlOptions(mode="nightly",
                                                                           settings=LOOPBACK_CRAWL_SETTINGS))
    finally:
        control_out.send("stop")
        server.join(timeout=30)
    # ru_maxrss is in KiB on Linux: this process (ingest, the run) and the largest crawl child it waited for.
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["peak_child_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return result


def figures(quick: bool = False) -> dict:
    """Run every K, each in a fresh process; the per-K results and cost_per_page_ratio_16x."""
    runs = []
    for copies in QUICK_KS if quick else FULL_KS:
        args = [sys.executable, str(Path(__file__).resolve()), "--one", str(copies)] + (["--quick"] if quick else [])
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"bench/scale.py --one {copies} failed:\n{proc.stderr[-3000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"scale: K={copies} done: {json.dumps(runs[-1])}", file=sys.stderr, flush=True)  # a long run shows progress
    by_k = {run["copies"]: run for run in runs}
    ratio = by_k[16]["backfill"]["cost_per_page_ms"] / by_k[1]["backfill"]["cost_per_page_ms"]
    out = {"quick": quick, "workers": WORKERS, "runs": runs, "cost_per_page_ratio_16x": round(ratio, 3)}
    if not quick:
        out["nightly_cost_per_page_ratio_16x"] = round(
            by_k[16]["nightly"]["cost_per_page_ms"] / by_k[1]["nightly"]["cost_per_page_ms"], 3)
    return out


def print_table(result: dict) -> None:
    """One line per K and run."""
    print(f"{'K':>3} {'sites':>5} {'run':>8} {'wall s':>8} {'requests':>8} {'pages':>7} {'docs':>6} "
          f"{'ms/page':>8} {'rss MB':>7} {'child MB':>8}")
    for run in result["runs"]:
        for name in ("backfill", "nightly"):
            if name not in run:
                continue
            r = run[name]
            print(f"{run['copies']:>3} {run['sites']:>5} {name:>8} {r['wall_s']:>8} {r['requests']:>8} {r['pages']:>7} "
                  f"{r['documents']:>6} {r['cost_per_page_ms']:>8} {run['peak_rss_mb']:>7} {run['peak_child_rss_mb']:>8}")


def main() -> int:
    """Run the benchmark (or, with --one K, one K of it, printing its JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="K = 1 and 16, backfills of 2 list pages per column")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_k(args.one, args.quick)))
        return 0
    result = figures(args.quick)
    print_table(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    line = f"cost_per_page_ratio_16x={result['cost_per_page_ratio_16x']}"
    if "nightly_cost_per_page_ratio_16x" in result:
        line += f" nightly_cost_per_page_ratio_16x={result['nightly_cost_per_page_ratio_16x']}"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
