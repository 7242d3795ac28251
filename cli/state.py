"""`wjw state rebuild`: rebuild sites' crawl state from what the store holds (state is a cache)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from archive.registry import DEFAULT_REGISTRY, RegistryError, load_sites, select_sites
from archive.store import KeyNotFound, StoreError
from cli.common import DEFAULT_STORE, console, fail, open_or_fail, split_ids

state_app = typer.Typer(help="Per-site crawl state, a cache of the store: rebuild it when in doubt.",
                        no_args_is_help=True)


@state_app.command("rebuild")
def rebuild(
    sites: Optional[list[str]] = typer.Argument(None, help="Site ids (default: every site in the registry)."),
    store: str = typer.Option(DEFAULT_STORE, help="A directory, file:// or s3://bucket/prefix."),
    registry: Path = typer.Option(DEFAULT_REGISTRY, help="Site registry: a directory of YAML files or one file."),
) -> None:
    """Rebuild the crawl state of sites from their stored documents and WARCs.

    Example: wjw state rebuild sim-hb-wjw --store wjw-data
    """
    from archive.run.pipeline import new_run_id  # noqa: PLC0415
    from archive.run.recover import rebuild_state  # noqa: PLC0415
    from archive.store.keys import state_key  # noqa: PLC0415
    from archive.store.leases import LeaseHeld, release, take  # noqa: PLC0415
    from archive.store.state import save_state  # noqa: PLC0415

    try:
        ids = [s.id for s in select_sites(load_sites(registry), split_ids(",".join(sites or [])))]
    except RegistryError as exc:
        fail(str(exc))
    target = open_or_fail(store)
    run_id = f"{new_run_id()}-rebuild"
    for site_id in ids:
        try:
            lease = take(target, site_id, run_id, pid=os.getpid())
        except LeaseHeld as exc:
            console.print(f"[yellow]skipped:[/yellow] {exc}; rebuild it when that run is done")
            continue
        try:
            state = rebuild_state(target, site_id)
            try:
                state.read_as = target.get(state_key(site_id))
            except KeyNotFound:
                state.read_as = None
            save_state(target, state)
        except StoreError as exc:
            fail(str(exc))
        finally:
            try:
                release(target, lease, unfinished=lease.inherited)
            except StoreError:
                pass
        print(f"{site_id}: {len(state.documents)} documents, {len(state.listed)} settled list entries")
