"""Load the site registry (`sites/*.yaml`) into `Site` rows."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import yaml

from archive.records import CMS_FAMILIES, LEVELS, Site

DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent / "sites"


class RegistryError(ValueError):
    """A registry file or row that cannot be used, named."""


def load_sites(path: str | Path = DEFAULT_REGISTRY) -> list[Site]:
    """Every site row in a registry directory or file, validated."""
    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files or not all(f.exists() for f in files):
        raise RegistryError(f"no site registry at {path}")
    sites: list[Site] = []
    for file in files:
        rows = yaml.safe_load(file.read_text(encoding="utf-8")) or []
        if isinstance(rows, dict):
            rows = rows.get("sites", [])
        for row in rows:
            sites.append(_site_from_row(row, file))
    _check_unique(sites)
    return sites


def sites_from_rows(rows: Iterable[dict]) -> list[Site]:
    """Sites from rows already in memory (a simulated web's, an Airflow param's)."""
    sites = [_site_from_row(row, "<rows>") for row in rows]
    _check_unique(sites)
    return sites


def select_sites(sites: list[Site], ids: Iterable[str] | None) -> list[Site]:
    """The enabled sites, or exactly the named ones; an unknown id is an error."""
    wanted = [i for i in (ids or []) if i]
    if not wanted:
        return [s for s in sites if s.enabled]
    by_id = {s.id: s for s in sites}
    missing = [i for i in wanted if i not in by_id]
    if missing:
        raise RegistryError(f"unknown site id(s): {', '.join(missing)}")
    return [by_id[i] for i in wanted]


def _site_from_row(row: dict, source: object) -> Site:
    try:
        site = Site.from_dict(row)
    except (TypeError, ValueError) as exc:
        raise RegistryError(f"{source}: bad site row {row.get('id', '?')!r}: {exc}") from None
    if site.level not in LEVELS:
        raise RegistryError(f"{source}: site {site.id}: level {site.level!r} not one of {LEVELS}")
    if site.cms not in CMS_FAMILIES:
        raise RegistryError(f"{source}: site {site.id}: CMS family {site.cms!r} not one of {CMS_FAMILIES}")
    if not site.columns:
        raise RegistryError(f"{source}: site {site.id}: no columns to crawl")
    return site


def _check_unique(sites: list[Site]) -> None:
    seen: set[str] = set()
    for site in sites:
        if site.id in seen:
            raise RegistryError(f"duplicate site id {site.id!r}")
        seen.add(site.id)
