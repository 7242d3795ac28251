"""Where a document's issuer sits: province, city, county and GB/T 2260 code.

The site registry row says where a site is; the agency name can say more
(a provincial portal republishing a county bureau's plan). Place names are
resolved with cpca's gazetteer of GB/T 2260 codes rather than a hand list.
cpca's table is of one date; codes change (偃师市 410381 became 偃师区 410307
in 2021), so data/gbt2260.tsv lists every code with the dated vintages that
hold it, and a document's code is the one valid at its date.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from archive.records import Region

# Placeholder names GB/T 2260 gives the city level of municipalities (北京市 市辖区).
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class RegionMatch:
    """A region and where it came from: "agency", "site", or "site+agency" when the agency refined it."""

    region: Region
    source: str


def region_for(site: Mapping[str, Any] | Any, agency: str | None, on: str | None = None) -> Region:
    """The issuer's region: the site registry's, refined or replaced by a place the agency name starts with.

    ``on`` (the document's date, ISO) picks the code valid then: a 2022 plan of
    偃师 gets 偃师区 410307, a 2019 one 偃师市 410381, whichever the registry holds.
    """
    return region_match(site, agency, on).region


def region_match(site: Mapping[str, Any] | Any, agency: str | None, on: str | None = None) -> RegionMatch:
    """region_for with its provenance ("+dated" when the date changed the code)."""
    match = _region_match(site, agency)
    code = code_on(match.region.code, on) if on else match.region.code
    if code == match.region.code:
        return match
    return RegionMatch(region_of_code(code) or match.region, f"{match.source}+dated")


def _region_match(site: Mapping[str, Any] | Any, agency: str | None) -> RegionMatch:
    site_code = _code(_field(site, "region_code"))
    site_region = region_of_code(site_code) if site_code else None
    if site_region is None:
        site_region = Region(code=site_code or "", province=_field(site, "province"), city=_field(site, "city"),
                             county=_field(site, "county"))
    agency_code = place_code(agency or "", within=site_region.code or None)
    if not agency_code:
        return RegionMatch(site_region, "site")
    agency_region = region_of_code(agency_code)
    if agency_region is None or agency_code == site_region.code:
        return RegionMatch(site_region, "site")
    if site_region.code and _within(agency_code, site_region.code):
        return RegionMatch(agency_region, "site+agency")
    if site_region.code and _within(site_region.code, agency_code):
        # "湖北省卫生健康委员会" on a Wuhan site is a provincial document republished there.
        return RegionMatch(agency_region, "agency")
    return RegionMatch(agency_region, "agency")


def place_code(name: str, within: str | None = None) -> str | None:
    """The GB/T 2260 code of the place an agency name starts with (荆门市卫生健康委员会 → 420800), or None.

    A district named alone (朝阳区卫生健康委员会) is ambiguous across the country:
    it resolves to the one inside ``within`` (the site's region), or to the only
    place of that name, and otherwise to None.
    """
    found = _place_code(name.strip())
    if found is None:
        return None
    code, named_alone = found
    if not named_alone:
        return code
    namesakes = [other for other, place in _names().items() if place == _names()[code] and not other.endswith("00")]
    if within:
        inside = [other for other in namesakes if _within(other, within)]
        if len(inside) == 1:
            return inside[0]
    return code if len(namesakes) == 1 else None


def region_of_code(code: str) -> Region | None:
    """The province, city and county names of a six-digit GB/T 2260 code, or None if the code is unknown."""
    names = _names() | {code: place.name for code, place in dated_codes().items()}
    code = _code(code)
    if not code or code not in names:
        return None
    province = names.get(code[:2] + "0000")
    city = names.get(code[:4] + "00") if not code.endswith("0000") else None
    county = names.get(code) if not code.endswith("00") else None
    if city in _PLACEHOLDER_NAMES:
        city = None
    return Region(code=code, province=province, city=city, county=county)


# ---------------------------------------------------------------- dated codes


GBT2260_TABLE = Path(__file__).resolve().parent / "data" / "gbt2260.tsv"
_STEM_SUFFIX = re.compile(r"(?:自治县|自治旗|市|县|区|旗)$")


@dataclass(frozen=True)
class DatedCode:
    """A code's name and the first and last dated vintages (ISO dates) that list it."""

    name: str
    first: str
    last: str


@lru_cache(maxsize=1)
def vintages() -> tuple[str, ...]:
    """The dates of the vintages the table was built from, oldest first."""
    for line in GBT2260_TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("vintages\t"):
            return tuple(line.split("\t")[1:])
    return ()


@lru_cache(maxsize=1)
def dated_codes() -> dict[str, DatedCode]:
    """Every code of the dated table (data/gbt2260.tsv)."""
    codes: dict[str, DatedCode] = {}
    for line in GBT2260_TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith(("#", "vintages\t")) or not line.strip():
            continue
        code, name, first, last = line.split("\t")
        codes[code] = DatedCode(name, first, last)
    return codes


def retired_on(code: str) -> str | None:
    """The date of the first vintage without ``code``, when a later vintage dropped it; else None."""
    dated = dated_codes().get(_code(code))
    if dated is None or dated.last == vintages()[-1]:
        return None
    return next(date for date in vintages() if date > dated.last)


def successor(code: str) -> str | None:
    """The code that replaced a retired one: same city, same place name (偃师市 410381 → 偃师区 410307)."""
    retired = retired_on(code)
    if retired is None:
        return None
    return _namesake(code, lambda dated: dated.first == retired)


def predecessor(code: str) -> str | None:
    """The code a new one replaced (偃师区 410307 → 偃师市 410381), or None."""
    dated = dated_codes().get(_code(code))
    if dated is None or dated.first == vintages()[0]:
        return None
    previous = max(date for date in vintages() if date < dated.first)
    return _namesake(code, lambda other: other.last == previous)


def code_on(code: str, on: str) -> str:
    """The code of the same place valid on ``on`` (ISO date), following renames forward or back."""
    code = _code(code)
    for _ in range(len(vintages())):
        retired = retired_on(code)
        later = successor(code) if retired and on >= retired else None
        dated = dated_codes().get(code)
        earlier = predecessor(code) if dated and on < dated.first else None
        if not (later or earlier):
            return code
        code = later or earlier or code
    return code


def code_problem(code: str) -> str | None:
    """Why a registry's region code is not the current one (retired, and by what replaced), or None."""
    retired = retired_on(code)
    if retired is None:
        return None
    name = dated_codes()[_code(code)].name
    replaced = successor(code)
    by = f"; {replaced} ({dated_codes()[replaced].name}) replaced it" if replaced else ""
    return f"region code {code} ({name}) was retired by the {retired} vintage of GB/T 2260{by}"


def _namesake(code: str, wanted: Any) -> str | None:
    """The one code of the same city whose place name has the same stem and that ``wanted`` accepts."""
    code = _code(code)
    stem = _STEM_SUFFIX.sub("", dated_codes()[code].name)
    found = [other for other, dated in dated_codes().items()
             if other != code and other[:4] == code[:4] and wanted(dated)
             and _STEM_SUFFIX.sub("", dated.name) == stem]
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------- cpca


@lru_cache(maxsize=4096)
def _place_code(name: str) -> tuple[str, bool] | None:
    """cpca's code for the place a name starts with, and whether a county was named without its city."""
    if not name:
        return None
    cpca = _cpca()
    record = next(cpca._extract_addrs(name, True, {}))  # one string, without building a pandas frame
    code = record.get("adcode")
    if not code:
        return None
    # Only a place the name begins with: "关于转发湖北省…" or "全市…" name no issuer's place.
    positions = [record.get(key, -1) for key in ("省_pos", "市_pos", "区_pos")]
    first = min((pos for pos in positions if pos is not None and pos >= 0), default=-1)
    if first != 0:
        return None
    named_alone = positions[0] in (None, -1) and positions[1] in (None, -1) and not code[:6].endswith("00")
    return code[:6], named_alone


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    cpca = _cpca()
    return {code[:6]: info.name for code, info in cpca.ad_2_addr_dict.items()}


@lru_cache(maxsize=1)
def _cpca() -> Any:
    with warnings.catch_warnings():
        # cpca reads its data with pkg_resources, which setuptools warns is deprecated.
        warnings.simplefilter("ignore")
        import cpca
    return cpca


def _within(code: str, parent: str) -> bool:
    """True when ``code`` lies inside the region ``parent`` names (420822 within 420800 and 420000)."""
    if parent.endswith("0000"):
        return code[:2] == parent[:2]
    if parent.endswith("00"):
        return code[:4] == parent[:4]
    return code == parent


def _code(value: Any) -> str:
    text = str(value or "").strip()
    return text[:6] if text[:6].isdigit() and len(text) >= 6 else ""


def _field(site: Mapping[str, Any] | Any, name: str) -> Any:
    if isinstance(site, Mapping):
        return site.get(name)
    return getattr(site, name, None)
