"""Site health across runs: flag a site only when something really changed, as Querido Diário's spidermon monitors do.

Every run leaves `runs/<run_id>/report.json` with a report per site. The
monitors, judged on a site's latest run:

- **blocked**: its list pages answered with a WAF's challenge (412, 521);
- **down**: no list page answered at all (timeouts, refused connections, 5xx);
- **no list page**: the crawl ended without one list page for another reason;
- **quiet while up**: its lists answered but showed no entry, N runs running;
- **drop**: the entries its columns' first list pages showed fell sharply
  below a *stable* baseline of *comparable* runs (same mode, same columns).

Items are counted as the entries on each column's first list page: a nightly
run stops paging where the store is up to date, so "entries seen" shrinks
after the first full crawl and would cry wolf; the first page shows the same
number of entries on every run while the site is healthy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from statistics import median
from typing import Any

from archive.store import Store
from archive.store.keys import RUNS_PREFIX, run_of_report

QUIET_RUNS = 3
DROP_RATIO = 0.5  # flag when a run shows less than half the entries of its stable baseline
BASELINE_RUNS = 5
MIN_BASELINE_RUNS = 3  # fewer comparable runs than this are no baseline to judge a drop by
STABLE_SPREAD = 0.25  # a baseline whose runs differ by more than this share of their median is not stable
MIN_BASELINE = 5  # below this many entries a "drop" is noise: a site listing 2 that lists 0 is QUIET_RUNS' case

# Errors that say the host did not answer usefully at all, as opposed to a page it refused.
_DOWN_REASONS = ("timeout", "dns", "connection_refused", "connection_lost", "http_5")


@dataclass(frozen=True)
class SiteHealth:
    """A site's item counts over recent runs (oldest first; None where it failed) and why it is flagged, if it is."""

    site_id: str
    run_ids: tuple[str, ...]
    items: tuple[int | None, ...]
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


def items_in(site_report: dict[str, Any]) -> int | None:
    """Entries the site's columns' first list pages showed; None for a failed site or an older report."""
    if site_report.get("failed") or "first_page_entries" not in site_report:
        return None
    return sum(int(n) for n in (site_report.get("first_page_entries") or {}).values())


def load_reports(store: Store, runs: int | None = None) -> list[dict[str, Any]]:
    """The run reports in the store, oldest first (the last `runs` of them)."""
    reports = []
    for key in store.list(RUNS_PREFIX):
        if run_of_report(key) is None:
            continue
        try:
            report = json.loads(store.get(key))
        except (ValueError, UnicodeDecodeError):
            continue  # a torn or foreign file is no run report
        if isinstance(report, dict):
            reports.append(report)
    reports.sort(key=lambda r: (r.get("started_at") or "", r.get("run_id") or ""))
    return reports[-runs:] if runs else reports


@dataclass(frozen=True)
class _Run:
    run_id: str
    mode: str
    site: dict[str, Any]

    @property
    def items(self) -> int | None:
        return items_in(self.site)

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(self.site.get("first_page_entries") or ())


def site_health(
    reports: list[dict[str, Any]], quiet_runs: int = QUIET_RUNS, drop_ratio: float = DROP_RATIO,
    min_baseline: int = MIN_BASELINE,
) -> list[SiteHealth]:
    """Each site's health over the given reports (oldest first), judged on its latest run."""
    history: dict[str, list[_Run]] = {}
    for report in reports:
        for site in report.get("sites") or []:
            history.setdefault(site["site_id"], []).append(
                _Run(report.get("run_id", "?"), report.get("mode", "nightly"), site))
    health = []
    for site_id, runs in sorted(history.items()):
        flags = _failure_flags(runs[-1].site) or _quiet_flags(runs, quiet_runs) \
            or _drop_flags(runs, drop_ratio, min_baseline)
        health.append(SiteHealth(site_id, tuple(r.run_id for r in runs), tuple(r.items for r in runs),
                                 tuple(flags), _problem(runs[-1].site)))
    return health


def _failure_flags(site: dict[str, Any]) -> list[str]:
    failed = site.get("failed")
    if not failed:
        return []
    errors = site.get("errors") or {}
    if errors.get("blocked_by_waf"):
        return [f"blocked: a WAF challenge answered {errors['blocked_by_waf']} request(s)"]
    if errors and all(reason.startswith(_DOWN_REASONS) for reason in errors):
        return [f"down: {_reasons(errors)}"]
    if not site.get("warc_key"):
        return [f"crawl failed: {failed}"]
    return [f"no list page: {failed}"]


def _quiet_flags(runs: list[_Run], quiet_runs: int) -> list[str]:
    recent = [r.items for r in runs[-quiet_runs:]]
    if len(recent) == quiet_runs and all(n == 0 for n in recent):
        return [f"quiet: its lists answered but showed no entry in the last {quiet_runs} runs"]
    return []


def _drop_flags(runs: list[_Run], drop_ratio: float, min_baseline: int) -> list[str]:
    latest = runs[-1]
    if latest.items is None:
        return []
    comparable = [r.items for r in runs[:-1]
                  if r.items is not None and r.mode == latest.mode and r.columns == latest.columns]
    baseline = comparable[-BASELINE_RUNS:]
    if len(baseline) < MIN_BASELINE_RUNS:
        return []
    usual = median(baseline)
    if usual < min_baseline or max(baseline) - min(baseline) > STABLE_SPREAD * usual:
        return []
    if latest.items < usual * drop_ratio:
        return [f"drop: first list pages showed {latest.items} entries, against a steady {usual:g}"]
    return []


def health_line(health: SiteHealth) -> str:
    """One line per site: entries per run (newest last; - where it failed), and its flags."""
    counts = " ".join("-" if n is None else str(n) for n in health.items)
    state = "; ".join(health.flags) if health.flags else "ok"
    problem = f" (last run: {health.last_problem})" if health.flagged and health.last_problem else ""
    return f"{health.site_id:<18} {state}{problem}  [first-page entries per run: {counts}]"


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} ×{n}" for reason, n in sorted(counts.items(), key=lambda item: -item[1]))


def _problem(site_report: dict[str, Any]) -> str | None:
    if site_report.get("failed"):
        return f"failed: {site_report['failed']}"
    errors = site_report.get("errors") or {}
    if errors:
        reason, n = max(errors.items(), key=lambda item: item[1])
        return f"{reason} ×{n}"
    return None
