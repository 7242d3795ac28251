"""`wjw`: run the archive from a shell (the DAGs call the same functions)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from archive.records import Site
from archive.registry import DEFAULT_REGISTRY, RegistryError, load_sites, select_sites
from archive.store import StoreError
from cli.common import (
    DEFAULT_STORE,
    check_render,
    console,
    exit_for,
    fail,
    open_or_fail,
    print_report,
    run_sites,
    split_ids,
)

app = typer.Typer(help="wjw: an archive of Chinese health commissions' work plans.", no_args_is_help=True,
                  pretty_exceptions_enable=False)


@app.command()
def run(
    store: str = typer.Option(DEFAULT_STORE, help="A directory, file:// or s3://bucket/prefix (AWS_ENDPOINT_URL honoured)."),
    registry: Path = typer.Option(DEFAULT_REGISTRY, help="Site registry: a directory of YAML files or one file."),
    sites: Optional[str] = typer.Option(None, help="Comma-separated site ids (default: every enabled site)."),
    mode: str = typer.Option("nightly", help="nightly: stop at what is known; backfill: walk whole column history."),
    since: Optional[str] = typer.Option(None, help="Backfill: only documents listed on or after YYYY-MM-DD."),
    until: Optional[str] = typer.Option(None, help="Backfill: only documents listed on or before YYYY-MM-DD."),
    max_pages: Optional[int] = typer.Option(None, help="List pages per column at most."),
    workers: int = typer.Option(2, help="Sites crawled at the same time (each in its own process)."),
    render: bool = typer.Option(False, help="Send the pages of sites marked render: true through Chromium."),
    allow_unversioned: bool = typer.Option(False, help="Write to an S3 bucket without versioning (history is lost)."),
) -> None:
    """Crawl the registry's sites, extract, dedup and store; print what was archived."""
    from archive.run.crawl import CrawlOptions

    if mode not in ("nightly", "backfill"):
        fail(f"--mode must be nightly or backfill, not {mode!r}")
    try:
        options = CrawlOptions(mode=mode, since=since, until=until, max_pages=max_pages, render=render)
    except ValueError as exc:
        fail(str(exc))
    try:
        chosen = select_sites(load_sites(registry), split_ids(sites))
    except RegistryError as exc:
        fail(str(exc))
    from archive.run.sitecheck import NoNetwork, probe_network

    try:
        probe_network(chosen, command="wjw run")
    except NoNetwork as exc:
        fail(str(exc))
    check_render(chosen, render)
    target = open_or_fail(store, allow_unversioned)
    report = run_sites(target, chosen, options, workers)
    print_report(report)
    exit_for(report)


@app.command()
def extract(
    file: Path = typer.Argument(..., help="A saved HTML page."),
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
        print(json.dumps(record, ensure_ascii=False, indent=1))
    else:
        print(f"{record['title']}\n{record.get('published') or ''}\n\n{record['text']}")


@app.command()
def export(
    store: str = typer.Option(DEFAULT_STORE, help="The store to export from."),
    out: Path = typer.Option(Path("wjw-export"), help="Directory to write into."),
    fmt: str = typer.Option("txt", "--format",
                            help="txt: NNN_<hash16>.txt files plus manifest.jsonl; jsonl: corpus.jsonl; "
                                 "parquet: corpus.parquet."),
    as_of: Optional[str] = typer.Option(None, help="Export the corpus as of this run id (default: latest)."),
    year: Optional[int] = typer.Option(None, help="Only plans for this year (or published in it, if no plan year)."),
    province: Optional[str] = typer.Option(None, help="Only this province: a name (浙江省, 浙江) or GB/T 2260 code."),
    include_duplicates: bool = typer.Option(False, help="Also export the non-canonical copies of each plan."),
) -> None:
    """Export the corpus as of a run: one canonical copy per plan unless told otherwise."""
    from archive.corpus.export import FORMATS, ExportFilter, export_corpus
    from archive.corpus.manifest import ManifestError

    if fmt not in FORMATS:
        fail(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    chosen = ExportFilter(year=year, province=province, include_duplicates=include_duplicates)
    try:
        # Read-only commands may read an unversioned bucket: only writing there loses history.
        result = export_corpus(open_or_fail(store, allow_unversioned=True), out, fmt, as_of, chosen)
    except (ManifestError, StoreError) as exc:
        fail(str(exc))
    print(f"exported {result.documents} documents as {len(result.files)} {fmt} file(s) to {out}/")


@app.command()
def history(
    doc_id: str = typer.Argument(..., help="The document id (as in docs/<doc_id>.json)."),
    store: str = typer.Option(DEFAULT_STORE, help="The store to read."),
    diff: bool = typer.Option(True, help="Show the text diff between two versions."),
    old: str = typer.Option("-2", "--from", help="Older version: number (1 = first, -1 = newest) or version id."),
    new: str = typer.Option("-1", "--to", help="Newer version: number or version id."),
) -> None:
    """List a document's versions with dates and text hashes, and diff two of them."""
    from archive.corpus.history import (
        HistoryError,
        document_history,
        pick_version,
        text_diff,
    )

    target = open_or_fail(store, allow_unversioned=True)
    try:
        versions = document_history(target, doc_id)
        table = Table(title=f"{doc_id}: {len(versions)} version(s)")
        for column in ("#", "version id", "stored", "text sha256", "change", "title"):
            table.add_column(column)
        for v in versions:
            table.add_row(str(v.number), v.version_id, v.modified.isoformat(timespec="seconds"),
                          v.text_sha256[:16], v.change, v.title)
        Console(width=None if sys.stdout.isatty() else 160).print(table)
        if diff and len(versions) > 1:
            patch = text_diff(target, pick_version(versions, old), pick_version(versions, new))
            print(patch or "(the two versions hold the same text)")
    except (HistoryError, StoreError) as exc:
        fail(str(exc))


@app.command()
def verify(
    store: str = typer.Option(DEFAULT_STORE, help="The store to check."),
) -> None:
    """Re-hash every object, check every manifest entry resolves; exit 1 on any fault."""
    from archive.corpus.verify import verify_store

    target = open_or_fail(store, allow_unversioned=True)
    with console.status("verifying…") as status:
        try:
            result = verify_store(target, progress=lambda key: status.update(f"verifying {key}"))
        except StoreError as exc:
            fail(str(exc))
    print("checked: " + ", ".join(f"{n} {what}" for what, n in sorted(result.checked.items())))
    for fault in result.faults:
        print(f"FAULT {target.describe_key(fault.key)}: {fault.problem}")
    if not result.ok:
        fail(f"{len(result.faults)} fault(s) in {target}")
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
    registry: Path = typer.Option(DEFAULT_REGISTRY, help="Site registry: a directory of YAML files or one file."),
    province: Optional[str] = typer.Option(None, help="Only sites in this province (湖北 or 湖北省)."),
    level: Optional[str] = typer.Option(None, help="Only sites of this level: national, province, city, county."),
    cms: Optional[str] = typer.Option(None, help="Only sites of this CMS family (trs, hanweb, jpaas, gkmlpt, vsb, generic)."),
) -> None:
    """List registry sites, one a line: id, level, region code, CMS, columns, flags, name."""
    rows = [s for s in _registry(registry)
            if (not province or (s.province or "").startswith(province))
            and (not level or s.level == level) and (not cms or s.cms == cms)]
    for s in rows:
        flags = ",".join(f for f, on in (("disabled", not s.enabled), ("verified", s.verified),
                                          ("render", s.render)) if on) or "-"
        print(f"{s.id:<18} {s.level:<8} {s.region_code} {s.cms:<7} {len(s.columns):>2} cols  {flags:<16} {s.name}")
    console.print(f"{len(rows)} site(s)")


@sites_app.command("check")
def sites_check(
    ids: Optional[str] = typer.Argument(None, help="Comma-separated site ids (default: every enabled site)."),
    registry: Path = typer.Option(DEFAULT_REGISTRY, help="Site registry: a directory of YAML files or one file."),
    timeout: float = typer.Option(10.0, help="Seconds to wait for each request."),
    workers: int = typer.Option(8, help="Sites checked at the same time (each site gets one request at a time)."),
    as_json: bool = typer.Option(False, "--json", help="Print every site's result as JSON."),
) -> None:
    """Fetch each column's first list page politely and run its list parser; exit 1 unless every site is ok."""
    from archive.run.sitecheck import NoNetwork, check_sites, site_line, summary_line

    try:
        chosen = select_sites(_registry(registry), split_ids(ids))
    except RegistryError as exc:
        fail(str(exc))
    try:
        with console.status("checking sites…") as status:
            checks = check_sites(chosen, timeout=timeout, workers=workers,
                                 progress=lambda message: status.update(message))
    except NoNetwork as exc:
        print(f"error: {exc}", file=sys.stderr)  # one unwrapped line, whatever the terminal's width
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps([c.to_dict() for c in checks], ensure_ascii=False, indent=1))
    else:
        for check in checks:
            print(site_line(check))
    print(summary_line(checks))
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@sites_app.command("health")
def sites_health(
    store: str = typer.Option(DEFAULT_STORE, help="The store whose run reports to read."),
    runs: int = typer.Option(10, help="How many recent runs to look at."),
    quiet_runs: int = typer.Option(3, help="Flag a site with no item in this many consecutive runs."),
    drop: float = typer.Option(0.5, help="Flag a site whose items fall below this share of its usual count."),
) -> None:
    """Flag sites that stopped yielding items or dropped sharply across runs; exit 1 when any is flagged."""
    from archive.corpus.health import health_line, load_reports, site_health

    try:
        reports = load_reports(open_or_fail(store), runs)
    except StoreError as exc:
        fail(str(exc))
    if not reports:
        fail(f"no run reports in {store}: run `wjw run` first")
    health = site_health(reports, quiet_runs=quiet_runs, drop_ratio=drop)
    for entry in health:
        print(health_line(entry))
    flagged = [h.site_id for h in health if h.flagged]
    print(f"{len(health)} sites over {len(reports)} runs: {len(flagged)} flagged"
          + (f" ({', '.join(flagged)})" if flagged else ""))
    if flagged:
        raise typer.Exit(1)


from simweb.cli import register as _register_simweb  # noqa: E402  (the simulation registers its own commands)

_register_simweb(app)


from cli.state import state_app  # noqa: E402

app.add_typer(state_app, name="state")


def main() -> None:
    """Entry point for `python -m cli.main`."""
    app()


if __name__ == "__main__":
    sys.exit(main())
