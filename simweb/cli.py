"""The simulation's commands, registered on `wjw` by the CLI: `wjw simweb serve|check|truth` and `wjw demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from archive.registry import sites_from_rows
from cli.common import (
    DEFAULT_STORE,
    DEFAULT_WORKERS,
    check_render,
    console,
    exit_for,
    open_or_fail,
    print_report,
    run_sites,
)
from cli.errors import fail

simweb_app = typer.Typer(help="The simulated web of health-commission sites.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `simweb` and `demo` to the `wjw` command."""
    app.add_typer(simweb_app, name="simweb")
    app.command()(demo)


def demo(
    store: str = typer.Option(DEFAULT_STORE, help="Where to archive (a local directory by default)."),
    out: Path = typer.Option(Path("wjw-export"), help="Where to export the texts."),
    day: int = typer.Option(0, help="The simulated day to crawl."),
    port: int = typer.Option(8477, help="Port of the simulated sites; keep it fixed so their URLs (and doc ids) are stable."),
    workers: int = typer.Option(DEFAULT_WORKERS, min=1, help="Crawl processes at the same time (each serves a chunk of sites)."),
    render: bool = typer.Option(False, help="Send the pages of sites marked render: true through Chromium."),
) -> None:
    """Start the simulated sites, archive them, export the texts: the whole job, offline."""
    from archive.corpus.export import export_txt
    from archive.run.crawl import CrawlOptions
    from simweb import LOOPBACK_CRAWL_SETTINGS

    if day < 0:
        fail(f"--day must be 0 or more, not {day}")
    target = open_or_fail(store)
    with _serving(day, port) as web:
        sites = sites_from_rows(web.registry_rows())
        check_render(sites, render)
        console.print(f"simweb: {len(sites)} simulated sites on {web.base_url(sites[0].id)} …")
        options = CrawlOptions(mode="nightly", settings=LOOPBACK_CRAWL_SETTINGS, render=render)
        report = run_sites(target, sites, options, workers)
    print_report(report)
    files = export_txt(target, out)
    print(f"export: {len(files)} text files in {out.resolve()}/")
    exit_for(report)


def _serving(day: int, port: int):
    """The simulated web on `port`, or one line saying the port is taken."""
    from simweb import SimWeb, build_world

    try:
        return SimWeb(build_world(), day=day, port=port)
    except OSError as exc:
        fail(f"port {port}: {exc.strerror or exc}; another `wjw demo` or `wjw simweb serve` may hold it: "
             "stop it or pass --port with a free port")


@simweb_app.command("serve")
def simweb_serve(
    day: int = typer.Option(0, help="The simulated day."),
    port: int = typer.Option(8477, help="Port every site listens on (each site has its own 127.77.0.N address)."),
    seed: int = typer.Option(0, help="World seed."),
) -> None:
    """Serve the simulated sites until Ctrl-C."""
    from simweb.server import serve

    serve(day=day, port=port, seed=seed)


@simweb_app.command("check")
def simweb_check(
    day: int = typer.Option(0, help="The simulated day to check."),
    seed: int = typer.Option(0, help="World seed."),
    truth_out: Optional[Path] = typer.Option(None, "--truth-out", help="Also write that day's ground truth here (JSONL)."),
) -> None:
    """Walk every simulated site over HTTP against the ground truth; the last line sums it up."""
    from simweb.check import run_check

    if day < 0:
        fail(f"--day must be 0 or more, not {day}")
    result = run_check(day=day, seed=seed)
    for problem in result.problems:
        console.print(f"[red]inconsistent:[/red] {problem}", markup=True, highlight=False)
    if truth_out is not None:
        from simweb.truth import write_truth

        rows = write_truth(truth_out, day=day, seed=seed)
        console.print(f"ground truth: {rows} documents and the faults of day {day} in {truth_out}")
    print(result.line())
    if not result.consistent:
        raise typer.Exit(1)


@simweb_app.command("truth")
def simweb_truth(
    day: int = typer.Option(0, help="The simulated day."),
    seed: int = typer.Option(0, help="World seed."),
    port: int = typer.Option(8477, help="The port `wjw simweb serve` uses, so the URLs match the served ones."),
    out: Path = typer.Option(..., "--out", help="JSONL file to write: one document per line, then one line per fault."),
) -> None:
    """Export a day's ground truth (for tests and benchmarks; the crawler never reads it)."""
    from simweb.truth import write_truth

    if day < 0:
        fail(f"--day must be 0 or more, not {day}")
    rows = write_truth(out, day=day, seed=seed, port=port)
    print(f"ground truth: {rows} documents of day {day} in {out}")
