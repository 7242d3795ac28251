"""Health-monitor benchmark: nightly runs over simweb days 0–3, flags against the faults simweb served.

A monitor earns its keep when it flags exactly the sites that stopped
answering with their lists (a WAF in front, the host down) and stays quiet
about the rest: a plan answering 500 or one slow body is an error counted in
the report, not a sick site. Each day's run report carries the flags the
operator sees (`health_flags`); they are compared with the sites simweb
blocked whole that day. Prints one line per day, writes
bench/results/health.json and ends with

    true_flags=<flagged faulted sites>/<faulted sites> false_flags=<flags on healthy sites>

    uv run python bench/health.py                  # crawl days 0–3 (a few minutes)
    uv run python bench/health.py --keep DIR       # and keep the store in DIR
    uv run python bench/health.py --reports DIR    # judge the run reports already in DIR again
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.corpus.health import load_reports, site_health  # noqa: E402
from archive.records import RunReport  # noqa: E402
from archive.registry import sites_from_rows  # noqa: E402
from archive.run.crawl import CrawlOptions  # noqa: E402
from archive.run.pipeline import run_pipeline  # noqa: E402
from archive.store import open_store  # noqa: E402
from simweb import LOOPBACK_CRAWL_SETTINGS as LOOPBACK  # noqa: E402
from simweb import SimWeb, build_world, faults  # noqa: E402

DAYS = (0, 1, 2, 3)


def sick_sites(world, day: int) -> set[str]:
    """Sites that serve no list page on `day`: blocked or failing whole, or every column fenced by robots.txt."""
    served = faults.served(world, day)
    whole = {site.id for site, path, fault, _ in served if path in ("", "/") and fault in faults.BLOCKING}
    fenced: dict[str, int] = {}
    for site, _, fault, _ in served:
        if fault == "robots_disallowed":
            fenced[site.id] = fenced.get(site.id, 0) + 1
    whole |= {site.id for site in world.sites if fenced.get(site.id, 0) == len(site.columns)}
    return whole


def crawl_days(store_dir: str) -> list[float]:
    """Run one nightly per simulated day into the store; the seconds each took."""
    store = open_store(store_dir)
    seconds = []
    with SimWeb(build_world(), day=DAYS[0]) as web:
        sites = sites_from_rows(web.registry_rows())
        for day in DAYS:
            web.set_day(day)
            started = time.perf_counter()
            report: RunReport = run_pipeline(store, sites, CrawlOptions(mode="nightly", settings=LOOPBACK), workers=2)
            seconds.append(round(time.perf_counter() - started, 1))
            print(f"day {day}: crawled {len(report.sites)} sites in {seconds[-1]} s", file=sys.stderr)
    return seconds


def judge(store_dir: str) -> dict:
    """Each day's flags (as its report recorded them, and as the monitors judge them now) against the truth."""
    world = build_world()
    reports = load_reports(open_store(store_dir))[-len(DAYS):]
    if len(reports) != len(DAYS):
        raise SystemExit(f"{store_dir}: {len(reports)} run report(s), want {len(DAYS)}: run without --reports first")
    days = []
    for n, (day, report) in enumerate(zip(DAYS, reports)):
        flagged = {h.site_id: list(h.flags) for h in site_health(reports[: n + 1]) if h.flagged}
        truth = sick_sites(world, day)
        days.append({"day": day, "run_id": report["run_id"], "truth": sorted(truth), "flagged": flagged,
                     "recorded": report.get("health_flags") or {},
                     "true": sorted(truth & set(flagged)), "false": sorted(set(flagged) - truth),
                     "missed": sorted(truth - set(flagged))})
    return {"days": days, "true_flags": sum(len(d["true"]) for d in days),
            "faulted": sum(len(d["truth"]) for d in days), "false_flags": sum(len(d["false"]) for d in days),
            "recorded_differs": [d["day"] for d in days if set(d["recorded"]) != set(d["flagged"])]}


def main() -> None:
    """Crawl (or reuse) four simulated days, judge the monitors, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="crawl into this directory and keep it")
    parser.add_argument("--reports", help="judge the run reports already in this store; crawl nothing")
    args = parser.parse_args()
    seconds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="wjw-bench-health-") as tmp:
        store_dir = args.reports or args.keep or f"{tmp}/store"
        if not args.reports:
            seconds = crawl_days(store_dir)
        result = judge(store_dir) | {"seconds_per_day": seconds}
    for d in result["days"]:
        flags = "; ".join(f"{site}: {', '.join(why)}" for site, why in sorted(d["flagged"].items())) or "none"
        print(f"day {d['day']}: faulted {', '.join(d['truth']) or 'none'} | flagged {flags}"
              + (f" | FALSE {', '.join(d['false'])}" if d["false"] else "")
              + (f" | MISSED {', '.join(d['missed'])}" if d["missed"] else ""))
    out = ROOT / "bench" / "results" / "health.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"true_flags={result['true_flags']}/{result['faulted']} false_flags={result['false_flags']}")


if __name__ == "__main__":
    main()
