"""End to end: the demo corpus archived by `wjw run`, beside bare trafilatura on the same captured pages.

One run, one machine, ratios: simweb day 0 (the demo's corpus) crawled,
extracted, deduplicated and stored by `run_pipeline` with politeness off on
loopback and 2 workers, as `wjw demo` does; then, in the same process, bare
`trafilatura.extract(body)` and our extractor over the detail pages of the
archived plans, read back from the run's own WARCs. Also `wjw --help`'s start-up
(median of 5, in a subprocess), and the figures of the other benchmarks:
bench/revisits.py, bench/dedup_memory.py, bench/scale.py, bench/dedup.py.
A benchmark that is not there prints `nan`, said on stderr; never a made-up
number.

    uv run python bench/e2e.py            # bench/scale.py in full (K = 1, 4, 16): long
    uv run python bench/e2e.py --quick    # the others' quick versions

Prints its figures, writes bench/results/e2e.json and ends with one line:
`e2e_ratio=… extract_ratio=… startup_s=… nochange_request_ratio=… change_delay_nights_max=…
dedup_rss_ratio_4x=… cost_per_page_ratio_16x=… pair_f1=…`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "e2e.json"
WORKERS = 2
STARTUP_RUNS = 5

# The closing line's figures, in order, and the benchmark module whose figures() gives each.
FIGURES = ("e2e_ratio", "extract_ratio", "startup_s", "nochange_request_ratio", "change_delay_nights_max",
           "dedup_rss_ratio_4x", "cost_per_page_ratio_16x", "pair_f1")
OTHERS = {"bench.revisits": ("nochange_request_ratio", "change_delay_nights_max"),
          "bench.dedup_memory": ("dedup_rss_ratio_4x",),
          "bench.scale": ("cost_per_page_ratio_16x",),
          "bench.dedup": ("pair_f1",)}


def demo_run(folder: Path) -> tuple[dict, list]:
    """Archive simweb's day 0 as the demo does; its timings, and the detail pages of the plans it archived."""
    from archive.corpus.manifest import read_manifest
    from archive.registry import sites_from_rows
    from archive.run.captures import stored_captures
    from archive.run.crawl import CrawlOptions
    from archive.run.pipeline import run_pipeline
    from archive.store import open_store
    from simweb import LOOPBACK_CRAWL_SETTINGS, SimWeb, build_world

    store = open_store(str(folder / "store"))
    crawled_at: list[float] = []

    def progress(message: str) -> None:
        if message.endswith((": crawled", ": crawl failed")):
            crawled_at.append(time.monotonic())

    with SimWeb(build_world(), day=0) as web:
        sites = sites_from_rows(web.registry_rows())
        started = time.monotonic()
        report = run_pipeline(store, sites, CrawlOptions(mode="nightly", settings=LOOPBACK_CRAWL_SETTINGS),
                              workers=WORKERS, progress=progress)
        wall = time.monotonic() - started
    plans = {line["record"]["source_url"] for line in read_manifest(store)}
    pages = []
    for site in report.sites:
        if not site.warc_key:
            continue
        for capture in stored_captures(store, site.warc_key):
            if capture.kind == "detail" and capture.status == 200 and capture.url in plans and is_html(capture):
                pages.append(capture)
    crawl_s = (max(crawled_at) - started) if crawled_at else math.nan
    run = {"sites": len(sites), "wall_s": round(wall, 2), "plans": report.documents_total,
           "plans_per_s": round(report.documents_total / wall, 3),
           "crawl_phase_s": round(crawl_s, 2), "ingest_phase_s": round(wall - crawl_s, 2),
           "site_crawl_s_sum": round(sum(s.seconds.get("crawl", 0) for s in report.sites), 2),
           "site_ingest_s_sum": round(sum(s.seconds.get("ingest", 0) for s in report.sites), 2),
           "requests": sum(int(s.scrapy_stats.get("downloader/request_count", 0)) for s in report.sites),
           "failed_sites": sorted(s.site_id for s in report.sites if s.failed)}
    return run, pages


def is_html(capture) -> bool:
    """A page trafilatura can read: HTML, not a PDF or DOCX plan."""
    kind = capture.headers.get("content-type", capture.headers.get("Content-Type", "")).lower()
    return "html" in kind or capture.body.lstrip()[:1] == b"<"


def pages_per_s(pages: list, extract) -> tuple[float, float]:
    """Pages per second of `extract(capture)` over every page, after a short warm-up; and the seconds taken."""
    for capture in pages[:10]:
        extract(capture)
    started = time.perf_counter()
    for capture in pages:
        extract(capture)
    seconds = time.perf_counter() - started
    return len(pages) / seconds, seconds


def bare(capture) -> str:
    """trafilatura as a user calls it: the bytes in, default options (as bench/extraction.py does)."""
    import trafilatura

    return trafilatura.extract(capture.body) or ""


def ours(capture) -> str:
    """Our page extractor, with the capture's URL and headers, as ingest calls it."""
    from archive.extract.html import extract_page

    return extract_page(capture.body, capture.url, capture.headers).text


def startup_s() -> tuple[float, list[float]]:
    """Median wall time of `wjw --help` in a fresh process, over STARTUP_RUNS runs."""
    wjw = Path(sys.executable).with_name("wjw")
    times = []
    for _ in range(STARTUP_RUNS):
        started = time.perf_counter()
        subprocess.run([str(wjw), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def other_figures(quick: bool, skip: set[str] = frozenset()) -> tuple[dict, dict]:
    """The figures the other benchmarks give (nan where one is missing, fails or is skipped, said on stderr)."""
    found: dict[str, float] = {}
    details: dict[str, object] = {}
    for module_name, keys in OTHERS.items():
        if module_name in skip:
            print(f"e2e: {module_name.replace('.', '/')}.py skipped (--skip): {', '.join(keys)} = nan", file=sys.stderr)
            found |= {key: math.nan for key in keys}
            continue
        try:
            module = importlib.import_module(module_name)
            figures = module.figures
        except (ImportError, AttributeError):
            print(f"e2e: {module_name.replace('.', '/')}.py has no figures() yet: {', '.join(keys)} = nan",
                  file=sys.stderr)
            found |= {key: math.nan for key in keys}
            continue
        try:
            result = figures(quick=quick)
        except Exception as exc:  # noqa: BLE001 - one benchmark's failure is named, the others still count
            print(f"e2e: {module_name.replace('.', '/')}.py failed ({exc}): {', '.join(keys)} = nan", file=sys.stderr)
            found |= {key: math.nan for key in keys}
            continue
        details[module_name] = result
        for key in keys:
            found[key] = float(result[key]) if key in result else math.nan
            if key not in result:
                print(f"e2e: {module_name.replace('.', '/')}.py gave no {key}: nan", file=sys.stderr)
    return found, details


def main() -> int:
    """Run everything, print the figures, write the JSON, end with the one line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the other benchmarks' quick versions")
    parser.add_argument("--skip", action="append", default=[], choices=sorted(OTHERS),
                        help="leave a benchmark out (its figures print nan), e.g. --skip bench.scale")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="wjw-bench-e2e-") as folder:
        run, pages = demo_run(Path(folder))
    bare_rate, bare_s = pages_per_s(pages, bare)
    ours_rate, ours_s = pages_per_s(pages, ours)
    start, start_times = startup_s()
    figures = {"e2e_ratio": round(run["plans_per_s"] / bare_rate, 3), "extract_ratio": round(ours_rate / bare_rate, 3),
               "startup_s": round(start, 3)}
    others, details = other_figures(args.quick, set(args.skip))
    figures |= others

    print(f"demo: {run['sites']} sites, {run['plans']} plans in {run['wall_s']} s ({run['plans_per_s']} plans/s), "
          f"{run['requests']} requests; crawl phase {run['crawl_phase_s']} s (sites' own crawls add up to "
          f"{run['site_crawl_s_sum']} s), ingest phase {run['ingest_phase_s']} s")
    print(f"extraction on the same {len(pages)} captured pages: bare trafilatura {bare_rate:.1f} pages/s, "
          f"ours {ours_rate:.1f} pages/s")
    print(f"wjw --help: median {start:.3f} s of {', '.join(f'{t:.2f}' for t in start_times)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "quick": args.quick, "demo": run, "pages": len(pages),
        "bare_pages_per_s": round(bare_rate, 2), "ours_pages_per_s": round(ours_rate, 2),
        "bare_s": round(bare_s, 3), "ours_s": round(ours_s, 3), "startup_runs_s": [round(t, 3) for t in start_times],
        "figures": {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in figures.items()},
        "others": details,
    }, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(" ".join(f"{key}={format_figure(figures.get(key, math.nan))}" for key in FIGURES))
    return 0


def format_figure(value: float) -> str:
    """A figure as the closing line writes it: nan when not measured."""
    return "nan" if isinstance(value, float) and math.isnan(value) else f"{value:g}"


if __name__ == "__main__":
    sys.exit(main())
