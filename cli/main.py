"""`wjw`: run the archive from a shell (the DAGs call the same functions)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from archive.records import CMS_FAMILIES, LEVELS, Site
from archive.registry import DEFAULT_REGISTRY, RegistryError, load_sites, select_sites
from archive.store import StoreError
from cli.common import (
    DEFAULT_STORE,
    DEFAULT_WORKERS,
    check_day,
    check_render,
    console,
    exit_for,
    open_or_fail,
    print_json,
    print_report,
    run_sites,
    split_ids,
)
from cli.errors import check_choice, fail
from cli.errors import run as run_command
from cli.help import add_examples
from cli.progress import ProgressDisplay

app = typer.Typer(help="wjw: an archive of Chinese health commissions' work plans.", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})

SITES_ARGUMENT = typer.Argument(None, metavar="[SITE]...",
                                help="Site ids, as arguments or comma-separated (default: every enabled site).")
SITES_OPTION = typer.Option(None, "--sites", help="Site ids, comma-separated: the same as giving them as arguments.")
REGISTRY_OPTION = typer.Option(DEFAULT_REGISTRY, help="Site registry: a directory of YAML files or one file.")
JSON_OPTION = typer.Option(False, "--json", help="Print the result as JSON on stdout.")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"wjw {version('wjw')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """wjw: an archive of Chinese health commissions' work plans."""


def chosen_sites(registry: Path, *ids: list[str] | str | None) -> list[Site]:
    """The registry's sites named by arguments and --sites (every enabled site when none is named)."""
    try:
        return select_sites(load_sites(registry), split_ids(*ids))
    except RegistryError as exc:
        fail(str(exc))


@app.command()
def run(
    site_args: Optional[list[str]] = SITES_ARGUMENT,
    sites: Optional[str] = SITES_OPTION,
    store: str = typer.Option(DEFAULT_STORE, help="A directory, file:// or s3://bucket/prefix (AWS_ENDPOINT_URL honoured)."),
    registry: Path = REGISTRY_OPTION,
    mode: str = typer.Option("nightly", help="nightly: stop at what is known; backfill: walk whole column history."),
    since: Optional[str] = typer.Option(None, help="Only documents listed (with --reextract: captured) on or after YYYY-MM-DD."),
    until: Optional[str] = typer.Option(None, help="Only documents listed (with --reextract: captured) on or before YYYY-MM-DD."),
    max_pages: Optional[int] = typer.Option(None, min=1, help="List pages per column at most."),
    workers: int = typer.Option(DEFAULT_WORKERS, min=1, help="Sites crawled at the same time (each in its own process)."),
    render: bool = typer.Option(False, help="Send the pages of sites marked render: true through Chromium."),
    reextract: bool = typer.Option(False, help="Fetch nothing: extract the stored WARCs again (captured within --since/--until)."),
    allow_unversioned: bool = typer.Option(False, help="Write to an S3 bucket without versioning (history is lost)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Crawl the registry's sites, extract, dedup and store; print what was archived."""
    from archive.run.crawl import CrawlOptions  # noqa: PLC0415 - only when crawling

    check_choice("--mode", mode, ("nightly", "backfill"))
    check_day("--since", since)
    check_day("--until", until)
    if since and until and since > until:
        fail(f"--since {since} is after --until {until}; swap them")
    chosen = chosen_sites(registry, site_args, sites)
    if reextract:
        report = _reextract(open_or_fail(store, allow_unversioned, must_exist=True), chosen, since, until)
    else:
        from archive.run.sitecheck import NoNetwork, probe_network

        try:
            probe_network(chosen, command="wjw run")
        except NoNetwork as exc:
            fail(str(exc))
        check_render(chosen, render)
        target = open_or_fail(store, allow_unversioned)
        try:
            options = CrawlOptions(mode=mode, since=since, until=until, max_pages=max_pages, render=render)
        except ValueError as exc:
            fail(str(exc))
        report = run_sites(target, chosen, options, workers)
    print_report(report, as_json)
    exit_for(report)


def _reextract(store, sites: list[Site], since: str | None, until: str | None):
    from archive.run.pipeline import new_run_id, reextract, stored_warcs

    if not stored_warcs(store, [s.id for s in sites], since, until):
        fail(f"no stored WARC of the chosen sites captured within {since or 'the start'}..{until or 'now'} "
             f"in {store}; widen --since/--until or run `wjw run` first")
    with ProgressDisplay(len(sites), console, steps_per_site=1) as progress:
        return reextract(store, sites, new_run_id(), since, until, progress=progress)


@app.command()
def extract(
    file: Path = typer.Argument(..., metavar="FILE", help="A saved HTML page."),
    url: str = typer.Option(..., help="The URL the page was fetched from."),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
) -> None:
    """Extract one saved page offline and print its document record."""
    from archive.classify import classify_title, plan_year
    from archive.extract.html import ExtractionError, extract_page

    try:
        body = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: {exc.strerror}")
    try:
        page = extract_page(body, url)
    except ExtractionError as exc:
        fail(f"{file}: {exc}")
    record = page.to_dict()
    verdict = classify_title(page.title or "")
    record |= {"source_url": url, "doc_type": verdict.doc_type, "plan_year": plan_year(page.title or "")}
    if as_json:
        print_json(record)
    else:
        print(f"{record['title']}\n{record.get('published') or ''}\n\n{record['text']}")


@app.command()
def history(
    doc_id: str = typer.Argument(..., metavar="DOC_ID", help="The document id (docs/<DOC_ID>.json; the path works too)."),
    store: str = typer.Option(DEFAULT_STORE, help="The store to read."),
    diff: bool = typer.Option(True, help="Show the text diff between two versions."),
    old: str = typer.Option("-2", "--from", help="Older version: number (1 = first, -1 = newest) or version id."),
    new: str = typer.Option("-1", "--to", help="Newer version: number or version id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List a document's versions with dates and text hashes, and diff two of them."""
    from archive.corpus.history import HistoryError, document_history, pick_version, text_diff

    doc_id = Path(doc_id).name.removesuffix(".json")  # `docs/X.json`, `X.json` and `X` name one document
    target = open_or_fail(store, allow_unversioned=True, must_exist=True)
    try:
        versions = document_history(target, doc_id)
        patch = None
        if diff and len(versions) > 1:
            patch = text_diff(target, pick_version(versions, old), pick_version(versions, new))
    except (HistoryError, StoreError) as exc:
        fail(str(exc))
    if as_json:
        print_json({"doc_id": doc_id, "versions": [
            {"number": v.number, "version_id": v.version_id, "stored": v.modified.isoformat(timespec="seconds"),
             "text_sha256": v.text_sha256, "change": v.change, "title": v.title} for v in versions],
            "diff": patch})
        return
    print(f"{doc_id}: {len(versions)} version(s)")
    # One line per version, the version id whole: --from/--to need it, and a table at 80 columns cut it.
    for v in versions:
        print(f"{v.number:>3}  {v.version_id}  {v.modified.isoformat(timespec='seconds')}  "
              f"{v.text_sha256[:16]}  {v.change:<10} {v.title}")
    if patch is not None:
        print(patch or "(the two versions hold the same text)")


@app.command()
def verify(
    store: str = typer.Option(DEFAULT_STORE, help="The store to check."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-hash every object, check every manifest entry resolves; exit 1 on any fault."""
    from archive.corpus.verify import verify_store

    target = open_or_fail(store, allow_unversioned=True, must_exist=True)
    with console.status("verifying…") as status:
        try:
            result = verify_store(target, progress=lambda key: status.update(f"verifying {key}"))
        except StoreError as exc:
            fail(str(exc))
    if as_json:
        print_json({"store": str(target), "ok": result.ok, "checked": dict(result.checked),
                    "faults": [{"key": f.key, "where": target.describe_key(f.key), "problem": f.problem}
                               for f in result.faults]})
    else:
        print("checked: " + ", ".join(f"{n} {what}" for what, n in sorted(result.checked.items())))
        for fault in result.faults:
            print(f"FAULT {target.describe_key(fault.key)}: {fault.problem}")
    if not result.ok:
        fail(f"{len(result.faults)} fault(s) in {target}; the FAULT lines name each key")
    if not as_json:
        print(f"ok: {target}")


sites_app = typer.Typer(help="The site registry: list sites, check they answer, watch their health.",
                        no_args_is_help=True)
app.add_typer(sites_app, name="sites")


def _registry(registry: Path) -> list[Site]:
    try:
        return load_sites(registry)
    except RegistryError as exc:
        fail(str(exc))


@sites_app.command("list")
def sites_list(
    registry: Path = REGISTRY_OPTION,
    province: Optional[str] = typer.Option(None, help="Only sites in this province (湖北 or 湖北省)."),
    level: Optional[str] = typer.Option(None, help=f"Only sites of this level: {', '.join(LEVELS)}."),
    cms: Optional[str] = typer.Option(None, help=f"Only sites of this CMS family: {', '.join(CMS_FAMILIES)}."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List registry sites, one a line: id, level, region code, CMS, columns, flags, name."""
    every = _registry(registry)
    check_choice("--level", level, LEVELS)
    check_choice("--cms", cms, CMS_FAMILIES)
    provinces = {s.province for s in every if s.province}
    if province and not any(p.startswith(province) for p in provinces):
        check_choice("--province", province, provinces)
    rows = [s for s in every
            if (not province or (s.province or "").startswith(province))
            and (not level or s.level == level) and (not cms or s.cms == cms)]
    if as_json:
        print_json([s.to_dict() for s in rows])
        return
    for s in rows:
        flags = ",".join(f for f, on in (("disabled", not s.enabled), ("verified", s.verified),
                                          ("render", s.render)) if on) or "-"
        print(f"{s.id:<18} {s.level:<8} {s.region_code} {s.cms:<7} {len(s.columns):>2} cols  {flags:<16} {s.name}")
    console.print(f"{len(rows)} site(s)")


@sites_app.command("check")
def sites_check(
    site_args: Optional[list[str]] = SITES_ARGUMENT,
    sites: Optional[str] = SITES_OPTION,
    registry: Path = REGISTRY_OPTION,
    timeout: float = typer.Option(10.0, min=0.1, help="Seconds to wait for each request."),
    workers: int = typer.Option(8, min=1, help="Sites checked at the same time (each site gets one request at a time)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Crawl each column's lists as `wjw run` would (page 1 and the page after); exit 1 unless every site is ok.

    A `partial` site exits 1 too: one of its columns lists page 1 only, or nothing, so a crawl would miss documents.
    """
    from archive.run.sitecheck import CheckFailed, NoNetwork, check_sites, site_line, summary_line

    chosen = chosen_sites(registry, site_args, sites)
    try:
        with console.status("checking sites…") as status:
            checks = check_sites(chosen, timeout=timeout, workers=workers,
                                 progress=lambda message: status.update(message))
    except (NoNetwork, CheckFailed) as exc:
        fail(str(exc))
    if as_json:
        print_json([c.to_dict() for c in checks])
    else:
        for check in checks:
            print(site_line(check))
    print(summary_line(checks), file=sys.stderr if as_json else sys.stdout)
    if not all(c.verdict == "ok" for c in checks):
        raise typer.Exit(1)


@sites_app.command("health")
def sites_health(
    store: str = typer.Option(DEFAULT_STORE, help="The store whose run reports to read."),
    runs: int = typer.Option(10, min=1, help="How many recent runs to look at."),
    quiet_runs: int = typer.Option(3, min=1, help="Flag a site whose lists showed no entry in this many runs running."),
    drop: float = typer.Option(0.5, min=0.0, max=1.0, help="Flag a site whose entries fall below this share of a steady baseline."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Flag sites blocked, down, without list pages, quiet or sharply down; exit 1 when any is flagged."""
    from archive.corpus.health import health_line, load_reports, site_health

    try:
        reports = load_reports(open_or_fail(store, must_exist=True), runs)
    except StoreError as exc:
        fail(str(exc))
    if not reports:
        fail(f"no run reports in {store}: run `wjw run` first")
    health = site_health(reports, quiet_runs=quiet_runs, drop_ratio=drop)
    flagged = [h.site_id for h in health if h.flagged]
    if as_json:
        print_json([h.to_dict() for h in health])
    else:
        for entry in health:
            print(health_line(entry))
        print(f"{len(health)} sites over {len(reports)} runs: {len(flagged)} flagged"
              + (f" ({', '.join(flagged)})" if flagged else ""))
    if flagged:
        raise typer.Exit(1)


from cli.runs import runs_app  # noqa: E402  (`wjw runs list|show`)
from simweb.cli import register as _register_simweb  # noqa: E402  (the simulation registers its own commands)

app.add_typer(runs_app, name="runs")
_register_simweb(app)
from cli.corpus import register as _register_corpus  # noqa: E402  (export, search, gaps, serve)

_register_corpus(app)


from cli.state import state_app

app.add_typer(state_app, name="state")


def command():
    """The whole `wjw` command tree, with an example under every --help."""
    tree = typer.main.get_command(app)
    add_examples(tree)
    return tree


def main(argv: list[str] | None = None) -> None:
    """Entry point of `wjw`: every way of ending is one line and an exit code (cli/errors.py)."""
    run_command(command(), argv)


if __name__ == "__main__":
    main()
