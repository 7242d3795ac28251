"""The runs a store holds, read from their reports (`runs/<run_id>/report.json`): what `wjw runs list|show` prints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from difflib import get_close_matches
from typing import Any

from archive.store import KeyNotFound, Store
from archive.store.keys import RUNS_PREFIX, report_key, run_of_report

# Lists of doc ids a report may carry (written by the deletions work); absent in older reports.
CHANGE_LISTS = ("new_doc_ids", "changed_doc_ids", "removed_doc_ids")


class RunNotFound(LookupError):
    """A run id the store has no report for, named with the ids it does have."""


@dataclass(frozen=True)
class RunRow:
    """One line of `wjw runs list`."""

    run_id: str
    mode: str
    started_at: str
    seconds: float | None
    sites: int
    failed: tuple[str, ...]
    new: int
    changed: int
    removed: int | None  # None: the report does not count removals
    documents_total: int
    flagged: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        return {**self.__dict__, "failed": list(self.failed), "flagged": list(self.flagged)}


def run_ids(store: Store) -> list[str]:
    """Every run id with a report, oldest first (run ids sort by their start time)."""
    return sorted(filter(None, (run_of_report(key) for key in store.list(RUNS_PREFIX))))


def load_run(store: Store, run_id: str) -> dict[str, Any]:
    """A run's report; `latest` names the newest. RunNotFound says which runs exist."""
    known = run_ids(store)
    if run_id == "latest":
        if not known:
            raise RunNotFound(f"no run reports in {store.describe_key(RUNS_PREFIX)}: run `wjw run` first")
        run_id = known[-1]
    try:
        return json.loads(store.get(report_key(run_id)))
    except KeyNotFound:
        raise RunNotFound(_not_found(run_id, known)) from None
    except (ValueError, UnicodeDecodeError):
        raise RunNotFound(f"{store.describe_key(report_key(run_id))}: not a readable run report "
                          f"(torn write?); `wjw verify` checks the store") from None


def run_rows(store: Store, limit: int | None = None) -> list[RunRow]:
    """The newest `limit` runs, newest first."""
    ids = run_ids(store)
    chosen = ids[-limit:] if limit else ids
    return [run_row(load_run(store, run_id)) for run_id in reversed(chosen)]


def run_row(report: dict[str, Any]) -> RunRow:
    """The summary line of one report."""
    sites = report.get("sites") or []
    removed = report.get("removed_doc_ids")
    return RunRow(
        run_id=report.get("run_id", "?"), mode=report.get("mode", "?"), started_at=report.get("started_at") or "",
        seconds=duration(report), sites=len(sites),
        failed=tuple(s["site_id"] for s in sites if s.get("failed")),
        new=sum(int(s.get("new") or 0) for s in sites), changed=sum(int(s.get("changed") or 0) for s in sites),
        removed=len(removed) if isinstance(removed, list) else None,
        documents_total=int(report.get("documents_total") or 0),
        flagged=tuple(sorted(report.get("health_flags") or {})),
    )


def duration(report: dict[str, Any]) -> float | None:
    """Seconds from start to finish, or None for a report without both times."""
    try:
        started = datetime.fromisoformat(report["started_at"])
        finished = datetime.fromisoformat(report["finished_at"])
    except (KeyError, TypeError, ValueError):
        return None
    return (finished - started).total_seconds()


def _not_found(run_id: str, known: list[str]) -> str:
    if not known:
        return f"no run {run_id}: the store has no run reports yet; run `wjw run` first"
    close = get_close_matches(run_id, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    recent = ", ".join(known[-3:])
    return f"no run {run_id} in the store; {hint}the latest are {recent} (`wjw runs list` shows all)"
