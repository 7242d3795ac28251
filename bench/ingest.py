"""Ingest speed, serial against parallel: plans per second committed from the same crawls into two stores.

simweb's sites (day 0) are crawled once; the store is copied, and the same
crawls are ingested by `archive_crawls` with one process and with `--workers`
processes reading WARCs ahead. Both stores must end with the same records
(the parallel ingest's promise); the figure is plans per second of ingest.

Run: ``uv run python bench/ingest.py [--sites 12] [--workers 2]``; ends with
``ingest_plans_per_s_serial=… ingest_plans_per_s_parallel=… speedup=… identical=…``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "ingest.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=12, help="simweb sites to crawl (0: all)")
    parser.add_argument("--workers", type=int, default=2, help="processes reading WARCs in the parallel ingest")
    args = parser.parse_args()

    from archive.registry import sites_from_rows
    from archive.run.crawl import CrawlOptions
    from archive.run.pipeline import LeaseBook, archive_crawls, crawl_sites, new_run_id
    from archive.store import LocalStore
    from simweb import LOOPBACK_CRAWL_SETTINGS, SimWeb, build_world
    from testkit.faults import corpus, differences

    with SimWeb(build_world(), day=0) as web, tempfile.TemporaryDirectory(prefix="wjw-bench-ingest-") as work:
        sites = sites_from_rows(web.registry_rows())
        sites = sites[:args.sites] if args.sites else sites
        serial = LocalStore(Path(work) / "serial")
        run_id = new_run_id()
        leases = LeaseBook(serial, run_id)
        crawls = [c for c in crawl_sites(sites, serial, run_id, CrawlOptions(mode="nightly",
                                                                             settings=LOOPBACK_CRAWL_SETTINGS),
                                         workers=2, leases=leases) if c is not None]
        for site in sites:
            leases.give_back(site.id)
        shutil.copytree(serial.root, Path(work) / "parallel")
        parallel = LocalStore(Path(work) / "parallel")
        timings = {}
        for name, store, workers in (("serial", serial, 1), ("parallel", parallel, args.workers)):
            started = time.perf_counter()
            report = archive_crawls(store, sites, crawls, run_id, "nightly", workers=workers)
            timings[name] = {"seconds": round(time.perf_counter() - started, 2), "plans": report.total("new")}
            print(f"{name} ({workers} worker(s)): {timings[name]['plans']} plans in {timings[name]['seconds']:.1f}s")
        diff = differences(corpus(parallel), corpus(serial))
    rate = {name: t["plans"] / t["seconds"] for name, t in timings.items()}
    result = {"sites": len(sites), "workers": args.workers, "timings": timings,
              "plans_per_s": {k: round(v, 2) for k, v in rate.items()},
              "speedup": round(rate["parallel"] / rate["serial"], 3), "identical": not diff, "differences": diff[:5]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    print(f"ingest_plans_per_s_serial={rate['serial']:.1f} ingest_plans_per_s_parallel={rate['parallel']:.1f} "
          f"speedup={result['speedup']:.2f} identical={not diff}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
