"""Site health across runs: flag a site that stops yielding, as Querido Diário's spidermon monitors do.

Every run leaves `runs/<run_id>/report.json` with a report per site. A site
is flagged when it listed no item in its last N runs (a redesign moved its
columns, a WAF started answering, the host died), or when its item count fell
sharply below its usual level (a column lost, a parser reading half a page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from statistics import median
from typing import Any

from archive.store import Store
from archive.store.keys import RUNS_PREFIX, run_of_report

QUIET_RUNS = 3
DROP_RATIO = 0.5  # flag when a run yields less than half the site's usual items
BASELINE_RUNS = 5
MIN_BASELINE = 5  # below this a "drop" is noise: a site listing 2 items that lists 0 is caught by QUIET_RUNS

# Skip reasons that name a listed entry the crawl looked at and let go, so the
# entry still shows the site's list works (unlike empty_list_page or an error).
_LISTED_SKIPS = ("not_a_work_plan", "known_not_revisited", "before_since", "after_until", "empty_title")


@dataclass(frozen=True)
class SiteHealth:
    """A site's item counts over recent runs (oldest first) and why it is flagged, if it is."""

    site_id: str
    run_ids: tuple[str, ...]
    items: tuple[int, ...]
    flags: tuple[str, ...] = ()
    last_problem: str | None = None

    @property
    def flagged(self) -> bool:
        """True when some monitor fired."""
        return bool(self.flags)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        return {"site_id": self.site_id, "run_ids": list(self.run_ids), "items": list(self.items),
                "flags": list(self.flags), "last_problem": self.last_problem}


def items_in(site_report: dict[str, Any]) -> int:
    """How many list entries a site's run saw: work plans found plus entries looked at and let go."""
    if site_report.get("failed"):
        return 0
    if "listed" in site_report:  # a report that counts list entries directly says it best
        return int(site_report["listed"] or 0)
    skipped = site_report.get("skipped") or {}
    return int(site_report.get("plans_found") or 0) + sum(int(skipped.get(r, 0)) for r in _LISTED_SKIPS)


def load_reports(store: Store, runs: int | None = None) -> list[dict[str, Any]]:
    """The run reports in the store, oldest first (the last `runs` of them)."""
    reports = []
    for key in store.list(RUNS_PREFIX):
        if run_of_report(key) is None:
            continue
        try:
            reports.append(json.loads(store.get(key)))
        except (ValueError, UnicodeDecodeError):
            continue  # a torn or foreign file is no run report
    reports.sort(key=lambda r: (r.get("started_at") or "", r.get("run_id") or ""))
    return reports[-runs:] if runs else reports


def site_health(
    reports: list[dict[str, Any]], quiet_runs: int = QUIET_RUNS, drop_ratio: float = DROP_RATIO,
    min_baseline: int = MIN_BASELINE,
) -> list[SiteHealth]:
    """Each site's health over the given reports (oldest first)."""
    history: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for report in reports:
        for site in report.get("sites") or []:
            history.setdefault(site["site_id"], []).append((report.get("run_id", "?"), site))
    health = []
    for site_id, runs in sorted(history.items()):
        counts = [items_in(site) for _, site in runs]
        flags = []
        recent = counts[-quiet_runs:]
        if len(recent) == quiet_runs and not any(recent):
            flags.append(f"no item in the last {quiet_runs} runs")
        baseline = counts[-1 - BASELINE_RUNS:-1]
        if baseline and not flags:  # a quiet site's drop is the same news
            usual = median(baseline)
            if usual >= min_baseline and counts[-1] < usual * drop_ratio:
                flags.append(f"items fell to {counts[-1]} from a usual {usual:g}")
        health.append(SiteHealth(site_id, tuple(r for r, _ in runs), tuple(counts), tuple(flags),
                                 _problem(runs[-1][1])))
    return health


def health_line(health: SiteHealth) -> str:
    """One line per site: items per run, newest last, and its flags."""
    counts = " ".join(str(n) for n in health.items)
    state = "; ".join(health.flags) if health.flags else "ok"
    problem = f" (last run: {health.last_problem})" if health.flagged and health.last_problem else ""
    return f"{health.site_id:<18} {state}{problem}  [items per run: {counts}]"


def _problem(site_report: dict[str, Any]) -> str | None:
    if site_report.get("failed"):
        return f"failed: {site_report['failed']}"
    errors = site_report.get("errors") or {}
    if errors:
        reason, n = max(errors.items(), key=lambda item: item[1])
        return f"{reason} ×{n}"
    return None
