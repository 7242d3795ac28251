"""Completeness: the serials an agency gave what it issued, and the gaps between those the archive holds.

Agencies number what they issue, and print the numbers on the page: the
索引号 (organisation code / year - serial, e.g. `000014349/2021-00012`) and
the 文号 (`浙卫发〔2021〕12号`). Serials start at 1 each year, so every number
below the highest one seen that no archived document carries was issued and
either never published, published outside the columns crawled, or is a
document the archive does not keep (not a work plan). A gap is a lead, not a
verdict; its size per agency and year says how much of the record is missing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archive.corpus.select import record_status

# 索引号: the organisation code, then the year and the serial at the end (separators vary by CMS).
INDEX_NUMBER = re.compile(r"^(?P<series>.+?)[/／\-](?P<year>(?:19|20)\d{2})[\-－](?P<serial>\d{1,6})$")
# 文号: the issuer's prefix, the year in 〔〕 (or look-alike brackets) and the serial before 号.
DOC_NUMBER = re.compile(r"^(?P<series>.+?)\s*[〔［\[（(](?P<year>(?:19|20)\d{2})[〕］\]）)]\s*第?(?P<serial>\d{1,5})\s*号$")
KINDS = {"index_number": ("索引号", INDEX_NUMBER), "doc_number": ("文号", DOC_NUMBER)}


class GapsError(ValueError):
    """A site or year the corpus holds no serial for."""


@dataclass(frozen=True)
class Serial:
    """One number parsed from a document's 索引号 or 文号."""

    kind: str  # index_number or doc_number
    series: str  # the organisation code or the 文号 prefix
    year: int
    serial: int


def parse_serial(kind: str, value: str | None) -> Serial | None:
    """The series, year and serial a 索引号 or 文号 spells, or None when it follows no known form."""
    if not value:
        return None
    match = KINDS[kind][1].match(value.strip())
    if not match:
        return None
    return Serial(kind, match["series"].strip(), int(match["year"]), int(match["serial"]))


@dataclass
class Series:
    """The serials one site printed under one 索引号 code or 文号 prefix in one year, and the numbers missing."""

    site_id: str
    kind: str
    series: str
    year: int
    agency: str | None = None
    seen: dict[int, str] = field(default_factory=dict)  # serial -> the doc id carrying it

    @property
    def missing(self) -> list[int]:
        """Every number from 1 to the highest seen that no archived document carries."""
        return [n for n in range(1, max(self.seen) + 1) if n not in self.seen] if self.seen else []

    def missing_ranges(self) -> list[tuple[int, int]]:
        """The missing numbers as (first, last) runs."""
        runs: list[tuple[int, int]] = []
        for n in self.missing:
            if runs and runs[-1][1] == n - 1:
                runs[-1] = (runs[-1][0], n)
            else:
                runs.append((n, n))
        return runs

    def to_dict(self) -> dict[str, Any]:
        """The series as JSON-ready data."""
        return {"site_id": self.site_id, "kind": self.kind, "label": KINDS[self.kind][0], "series": self.series,
                "year": self.year, "agency": self.agency, "seen": sorted(self.seen), "missing": self.missing,
                "doc_ids": {str(n): d for n, d in sorted(self.seen.items())}}


def corpus_gaps(lines: list[dict[str, Any]], site: str | None = None, year: int | None = None) -> list[Series]:
    """Every series in a manifest's documents (canonical copies, live or removed), by site, kind, series and year."""
    found: dict[tuple[str, str, str, int], Series] = {}
    agencies: dict[tuple, Counter] = {}
    for line in lines:
        record = line["record"]
        if record.get("canonical_id") not in (None, record["doc_id"]) or record_status(record) not in ("live", "removed"):
            continue
        for kind in KINDS:
            serial = parse_serial(kind, record.get(kind))
            if serial is None:
                continue
            key = (record["site_id"], kind, serial.series, serial.year)
            entry = found.setdefault(key, Series(*key))
            entry.seen.setdefault(serial.serial, record["doc_id"])
            agencies.setdefault(key, Counter())[record.get("agency")] += 1
    for key, entry in found.items():
        entry.agency = agencies[key].most_common(1)[0][0]
    series = sorted(found.values(), key=lambda s: (s.site_id, s.kind, s.series, s.year))
    _check_choice(series, site, year)
    return [s for s in series if (site is None or s.site_id == site) and (year is None or s.year == year)]


def _check_choice(series: list[Series], site: str | None, year: int | None) -> None:
    if site is not None and not any(s.site_id == site for s in series):
        held = sorted({s.site_id for s in series})
        raise GapsError(f"--site {site!r} has no 索引号 or 文号 in the corpus; sites with serials: "
                        + (", ".join(held) or "none"))
    if year is not None and not any(s.year == year and (site is None or s.site_id == site) for s in series):
        held = sorted({str(s.year) for s in series if site is None or s.site_id == site})
        raise GapsError(f"--year {year} has no serials" + (f" on {site}" if site else "") + "; years held: "
                        + (", ".join(held) or "none"))


def series_line(entry: Series) -> str:
    """One line per series: site, kind, series, year, how many seen, and the missing numbers as ranges."""
    ranges = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in entry.missing_ranges()) or "-"
    return (f"{entry.site_id:<16} {KINDS[entry.kind][0]} {entry.series} {entry.year}: {len(entry.seen)} seen "
            f"(highest {max(entry.seen)}), {len(entry.missing)} missing: {ranges}")
