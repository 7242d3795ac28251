"""Load the site registry (`sites/*.yaml`) into `Site` rows."""

from __future__ import annotations

import json
import re
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import yaml

from archive.records import CMS_FAMILIES, LEVELS, Site

DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent / "sites"
SITE_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "site.schema.json"

# GB/T 2260 has no code for the country as a whole; 100000 is the customary one
# (used by the national commission's row and by the simulated web's).
NATIONAL_CODE = "100000"
# An `allowed_hosts` entry: a hostname or IP literal, nothing around it (the schema's pattern).
_BARE_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


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
        rows = _read_rows(file)
        for row in rows:
            _check_schema(row, file)
            site = _site_from_row(row, file)
            try:
                problems = site_problems(site)
            except ValueError as exc:  # urlsplit on a malformed URL, e.g. an unclosed IPv6 bracket
                raise RegistryError(f"{file}: site {site.id}: bad URL ({exc}); fix its base_url or columns") from None
            if problems:
                raise RegistryError(f"{file}: site {site.id}: {'; '.join(problems)}")
            sites.append(site)
    _check_unique(sites)
    return sites


def _read_rows(file: Path) -> list:
    """A registry file's rows: a YAML list, or a mapping with a `sites` list."""
    try:
        rows = yaml.safe_load(file.read_text(encoding="utf-8")) or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())[:160]
        raise RegistryError(f"{file}: not a readable YAML registry file ({reason}); fix the file or pass "
                            "--registry with another one") from None
    if isinstance(rows, dict):
        rows = rows.get("sites", [])
    if not isinstance(rows, list):
        raise RegistryError(f"{file}: a registry file holds a list of site rows, not {type(rows).__name__}")
    return rows


def site_problems(site: Site) -> list[str]:
    """What is wrong with a real site's row beyond its shape: its region code, and hosts off its base URL."""
    problems = []
    if site.level == "national":
        if site.region_code != NATIONAL_CODE:
            problems.append(f"national site's region code must be {NATIONAL_CODE}, not {site.region_code}")
    elif not region_code_exists(site.region_code):
        problems.append(f"region code {site.region_code} is not a GB/T 2260 code")
    elif problem := region_code_problem(site.region_code):
        problems.append(problem)
    base_host = urlsplit(site.base_url).hostname or ""
    for column in site.columns:
        host = urlsplit(column.url).hostname or ""
        if not same_site_domain(host, base_host):
            problems.append(f"column {column.name!r} is on {host}, not on the site's domain {base_host}")
        data_host = urlsplit(column.list_data.url).hostname or "" if column.list_data else host
        if not same_site_domain(data_host, base_host):
            problems.append(f"column {column.name!r} loads its list from {data_host}, not from the site's domain {base_host}")
        if column.list_data and "{page}" not in column.list_data.url:
            problems.append(f"column {column.name!r}: list_data url needs {{page}} where the page number goes")
    return problems


def region_code_exists(code: str) -> bool:
    """True when cpca's GB/T 2260 gazetteer or the dated table (data/gbt2260.tsv) knows the six-digit code."""
    from archive.extract.region import (
        region_of_code,  # cpca's data loads on first use, not at import
    )

    return region_of_code(code) is not None


def region_code_problem(code: str) -> str | None:
    """Why a known code is no longer current (retired in a later dated vintage of GB/T 2260), or None."""
    from archive.extract.region import code_problem

    return code_problem(code)


def same_site_domain(host: str, base_host: str) -> bool:
    """True when two hosts belong to one government's domain (wjw.x.gov.cn and zwgk.x.gov.cn; www. ignored)."""
    return bool(host) and _site_domain(host) == _site_domain(base_host)


def _site_domain(host: str) -> str:
    labels = host.lower().removeprefix("www.").split(".")
    # Chinese government hosts sit under <place>.gov.cn; elsewhere the last two labels name the owner.
    keep = 3 if host.lower().endswith(".gov.cn") else 2
    return ".".join(labels[-keep:])


@lru_cache(maxsize=1)
def _site_validator():
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SITE_SCHEMA.read_text(encoding="utf-8")))


def _check_schema(row: object, source: object) -> None:
    if not isinstance(row, dict):
        raise RegistryError(f"{source}: a registry row must be a mapping, not {row!r:.60}")
    errors = sorted(_site_validator().iter_errors(row), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "row"
        raise RegistryError(f"{source}: site {row.get('id', '?')!r}: {where}: {errors[0].message}")


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
        close = [m for i in missing for m in get_close_matches(i, by_id, n=1)]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise RegistryError(f"unknown site id(s): {', '.join(missing)}{hint} (`wjw sites list` shows them all)")
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
    for host in site.allowed_hosts:
        if not isinstance(host, str) or not _BARE_HOST.fullmatch(host):
            raise RegistryError(f"{source}: site {site.id}: allowed host {host!r} must be a bare hostname "
                                "(wsjkw.example.gov.cn: no scheme, port or path)")
    return site


def _check_unique(sites: list[Site]) -> None:
    seen: set[str] = set()
    for site in sites:
        if site.id in seen:
            raise RegistryError(f"duplicate site id {site.id!r}")
        seen.add(site.id)
