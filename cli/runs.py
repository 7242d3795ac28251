"""`wjw runs list` and `wjw runs show RUN_ID`: what the runs did, read from their reports (as `gh run list/view`)."""

from __future__ import annotations

from typing import Any

import typer

from archive.corpus.runs import CHANGE_LISTS, RunNotFound, duration, load_run, run_rows
from archive.store import StoreError
from cli.common import DEFAULT_STORE, open_or_fail, print_json
from cli.errors import fail

runs_app = typer.Typer(help="The runs in a store: list them, show one with its failures, timings and logs.",
                       no_args_is_help=True)

# The Scrapy stats worth a line each; the report keeps them all (`--json`).
SHOWN_STATS = ("downloader/request_count", "downloader/response_count", "downloader/response_bytes",
               "retry/count", "log_count/WARNING", "log_count/ERROR", "elapsed_time_seconds")


@runs_app.command("list")
def runs_list(
    store: str = typer.Option(DEFAULT_STORE, help="The store whose runs to list."),
    limit: int = typer.Option(20, min=1, help="How many of the newest runs to show."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON on stdout."),
) -> None:
    """The newest runs first: mode, sites, time taken, documents new and changed, failed and flagged sites."""
    target = open_or_fail(store, allow_unversioned=True, must_exist=True)
    try:
        rows = run_rows(target, limit)
    except (RunNotFound, StoreError) as exc:
        fail(str(exc))
    if as_json:
        print_json([row.to_dict() for row in rows])
        return
    if not rows:
        fail(f"no run reports in {target}: run `wjw run` first")
    print(f"{'run id':<22} {'mode':<8} {'started':<25} {'took':>7} {'sites':>5} {'new':>5} {'changed':>7} "
          f"{'removed':>7} {'docs':>6}  failed / flagged")
    for row in rows:
        removed = "-" if row.removed is None else str(row.removed)
        trouble = ", ".join([f"FAILED {s}" for s in row.failed] + [f"flagged {s}" for s in row.flagged
                                                                   if s not in row.failed]) or "-"
        print(f"{row.run_id:<22} {row.mode:<8} {row.started_at:<25} {_took(row.seconds):>7} {row.sites:>5} "
              f"{row.new:>5} {row.changed:>7} {removed:>7} {row.documents_total:>6}  {trouble}")


@runs_app.command("show")
def runs_show(
    run_id: str = typer.Argument(..., metavar="RUN_ID", help="A run id from `wjw runs list`, or latest."),
    store: str = typer.Option(DEFAULT_STORE, help="The store holding the run."),
    log: str | None = typer.Option(None, metavar="SITE", help="Print this site's crawl log from the run instead."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON on stdout."),
) -> None:
    """One run per site: time taken, documents, failures by reason with sample URLs, Scrapy stats."""
    target = open_or_fail(store, allow_unversioned=True, must_exist=True)
    try:
        report = load_run(target, run_id)
    except (RunNotFound, StoreError) as exc:
        fail(str(exc))
    if log is not None:
        _print_log(target, report, log)
    elif as_json:
        print_json(report)
    else:
        _print_run(target, report)


def _print_run(store, report: dict[str, Any]) -> None:
    from archive.run.logs import logged_sites

    sites = report.get("sites") or []
    print(f"run {report.get('run_id')} ({report.get('mode')}): started {report.get('started_at')}, "
          f"took {_took(duration(report))}, {len(sites)} site(s), {report.get('documents_total', 0)} documents "
          "in the corpus")
    for name in CHANGE_LISTS:
        ids = report.get(name)
        if isinstance(ids, list):
            shown = " ".join(ids[:10]) + (f" … ({len(ids) - 10} more)" if len(ids) > 10 else "")
            print(f"{name.removesuffix('_doc_ids')}: {len(ids)} {shown}".rstrip())
    logged = set(logged_sites(store, report.get("run_id", "")))
    for site in sites:
        print()
        _print_site(site, report.get("health_flags", {}).get(site["site_id"], []), site["site_id"] in logged)
    if logged:
        print(f"\nlogs: wjw runs show {report.get('run_id')} --log SITE  ({len(logged)} site(s) logged)")


def _print_site(site: dict[str, Any], flags: list[str], logged: bool) -> None:
    seconds = site.get("seconds") or {}
    took = ", ".join(f"{phase} {_took(s)}" for phase, s in seconds.items()) or "time not recorded"
    print(f"{site['site_id']}: {'FAILED: ' + site['failed'] if site.get('failed') else 'ok'} ({took})")
    print(f"  pages {site.get('pages_fetched', 0)} (lists {site.get('list_pages', 0)}), plans "
          f"{site.get('plans_found', 0)}: {site.get('new', 0)} new, {site.get('changed', 0)} changed, "
          f"{site.get('unchanged', 0)} unchanged, {site.get('duplicates', 0)} duplicates")
    samples = site.get("error_samples") or {}
    for reason, n in sorted((site.get("errors") or {}).items(), key=lambda item: -item[1]):
        print(f"  error {reason} ×{n}: {' '.join(samples.get(reason, [])) or '(no sample URL recorded)'}")
    skipped = site.get("skipped") or {}
    if skipped:
        print("  skipped: " + ", ".join(f"{reason}={n}" for reason, n in sorted(skipped.items())))
    stats = site.get("scrapy_stats") or {}
    shown = [f"{name.removeprefix('downloader/')}={_number(stats[name])}" for name in SHOWN_STATS if name in stats]
    if shown:
        print("  scrapy: " + ", ".join(shown))
    for flag in flags:
        print(f"  health: {flag}")
    if not logged and site.get("warc_key"):
        print("  (no crawl log kept for this site)")


def _print_log(store, report: dict[str, Any], site_id: str) -> None:
    from archive.run.logs import log_lines, logged_sites

    run_id = report.get("run_id", "")
    lines = list(log_lines(store, run_id, site_id))
    if not lines:
        logged = logged_sites(store, run_id)
        fail(f"run {run_id} kept no crawl log for {site_id}; "
             + (f"it has logs for: {', '.join(logged)}" if logged else "it kept no logs (an older or re-extraction run)"))
    for line in lines:
        print(line)


def _took(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
