"""What browser rendering costs: the same simweb sites crawled plainly and through Chromium, in one run.

For one site of each CMS family (day 0), and for simweb's 加速乐 site on the
day its challenge is up (day 2): wall time, peak memory of the crawl's
processes (the Scrapy child, and with rendering Playwright's driver and
Chromium's processes: proportional set size, so shared pages count once),
requests the crawl made, requests the browser sent, plans found, and whether
the rendered crawl stored the same texts as the plain one. Times are
compared as ratios within this run; the machines are noisy. Writes
bench/results/render.json and ends with one line of figures.

    uv run python bench/render.py          # needs Chromium: apt-get install chromium
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.run.browser import RenderUnavailable, find_chromium  # noqa: E402
from archive.run.crawl import CrawlOptions  # noqa: E402
from archive.corpus.manifest import read_manifest  # noqa: E402
from archive.run.pipeline import run_pipeline  # noqa: E402
from archive.registry import sites_from_rows  # noqa: E402
from archive.store import open_store  # noqa: E402
from simweb import LOOPBACK_CRAWL_SETTINGS as LOOPBACK  # noqa: E402
from simweb import SimWeb, build_world  # noqa: E402

CHALLENGED = ("sim-hf-wjw", 2)  # simweb's 加速乐 (521) site, and the day its challenge is up


class PeakMemory:
    """The peak, over a with-block, of the memory held by this process's descendants (sampled)."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval_s):
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            self.peak_bytes = max(self.peak_bytes, total)


def crawl_once(site, options: CrawlOptions, root: Path) -> dict:
    """Archive the site once, timed and its memory watched; return the figures and the texts stored."""
    store = open_store(str(root))
    started = time.perf_counter()
    with PeakMemory() as memory:
        report = run_pipeline(store, [site], options)
    seconds = time.perf_counter() - started
    s = report.sites[0]
    texts = {line["record"]["source_url"]: store.get(line["record"]["text_key"]) for line in read_manifest(store)}
    return {"seconds": round(seconds, 2), "peak_mb": round(memory.peak_bytes / 2**20), "requests": s.pages_fetched, "browser_requests": s.browser_requests,
            "plans_stored": s.new, "blocked": s.errors.get("blocked_by_waf", 0), "texts": texts}


def measure(web: SimWeb, site, tmp: Path) -> dict:
    plain = crawl_once(site, CrawlOptions(mode="nightly", settings=LOOPBACK), tmp / f"{site.id}-plain")
    rendered = crawl_once(dataclasses.replace(site, render=True),
                           CrawlOptions(mode="nightly", settings=LOOPBACK, render=True), tmp / f"{site.id}-render")
    same = bool(plain["texts"]) and plain["texts"] == rendered["texts"]
    row = {"site": site.id, "cms": site.cms, "day": web.day, "same_texts": same,
           "time_ratio": round(rendered["seconds"] / max(plain["seconds"], 1e-6), 2),
           "memory_ratio": round(rendered["peak_mb"] / max(plain["peak_mb"], 1), 2)}
    for name, figures in (("plain", plain), ("rendered", rendered)):
        row |= {f"{name}_{k}": v for k, v in figures.items() if k != "texts"}
    return row


def main() -> int:
    try:
        chromium = find_chromium()
    except RenderUnavailable as exc:
        print(f"bench/render.py: {exc}", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="wjw-bench-render-") as tmp, SimWeb(build_world(), day=0) as web:
        sites = sites_from_rows(web.registry_rows())
        per_family = {}
        for site in sites:
            if not site.render:
                per_family.setdefault(site.cms, site)
        for site in per_family.values():
            rows.append(measure(web, site, Path(tmp)))
        web.set_day(CHALLENGED[1])
        rows.append(measure(web, next(s for s in sites if s.id == CHALLENGED[0]), Path(tmp)))

    print(f"{'site':<14} {'cms':<8} {'day':>3} {'plain s':>8} {'render s':>8} {'ratio':>6} {'plain MB':>8} "
          f"{'render MB':>9} {'req':>4} {'browser req':>11} {'plans p/r':>9} {'same':>5}")
    for r in rows:
        print(f"{r['site']:<14} {r['cms']:<8} {r['day']:>3} {r['plain_seconds']:>8} {r['rendered_seconds']:>8} "
              f"{r['time_ratio']:>6} {r['plain_peak_mb']:>8} {r['rendered_peak_mb']:>9} {r['rendered_requests']:>4} "
              f"{r['rendered_browser_requests']:>11} {r['plain_plans_stored']:>4}/{r['rendered_plans_stored']:<4} "
              f"{str(r['same_texts']):>5}")
    unchallenged = [r for r in rows if r["day"] == 0]
    challenged = rows[-1]
    results = {
        "chromium": chromium,
        "sites": rows,
        "median_time_ratio": statistics.median(r["time_ratio"] for r in unchallenged),
        "median_memory_ratio": statistics.median(r["memory_ratio"] for r in unchallenged),
        "same_texts": sum(r["same_texts"] for r in unchallenged),
        "families": len(unchallenged),
        "challenge_plain_plans": challenged["plain_plans_stored"],
        "challenge_rendered_plans": challenged["rendered_plans_stored"],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "render.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"median_time_ratio={results['median_time_ratio']} median_memory_ratio={results['median_memory_ratio']} "
          f"same_texts={results['same_texts']}/{results['families']} "
          f"challenge_plans_plain={results['challenge_plain_plans']} "
          f"challenge_plans_rendered={results['challenge_rendered_plans']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
