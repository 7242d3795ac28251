"""Choosing documents from a manifest: the filters that export, search, gaps and the web view share.

A filter value the corpus does not hold is an error listing the values it
does hold, so `--province Zhejiang` or `--year 20211` fails loudly instead of
selecting nothing. A record's deletion state (`status`, `first_seen`,
`last_seen`, `removed_at`) is read when the record carries it; a record
written before deletions were tracked is `live`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

STATUSES = ("live", "removed", "all")


class FilterError(ValueError):
    """A filter value the corpus holds no document for."""


def record_status(record: dict[str, Any]) -> str:
    """`live` or `removed`; records from before deletions were tracked are live."""
    return record.get("status") or "live"


def lifecycle(line: dict[str, Any]) -> dict[str, Any]:
    """first_seen, last_seen, status and removed_at of a manifest line's document (None where not yet recorded)."""
    record = line["record"]
    return {
        "first_seen": record.get("first_seen") or line.get("first_seen"),
        "last_seen": record.get("last_seen") or line.get("last_seen"),
        "status": record.get("status") or line.get("status") or "live",
        "removed_at": record.get("removed_at") or line.get("removed_at"),
    }


def record_year(record: dict[str, Any]) -> int | None:
    """The year a plan is for, or failing that the year it was published."""
    if record.get("plan_year"):
        return record["plan_year"]
    published = record.get("published") or ""
    return int(published[:4]) if published[:4].isdigit() else None


def _province(record: dict[str, Any]) -> str:
    return (record.get("region") or {}).get("province") or ""


def _city(record: dict[str, Any]) -> str:
    return (record.get("region") or {}).get("city") or ""


@dataclass(frozen=True)
class CorpusFilter:
    """Which documents to keep: by site, plan year, province, city, level, doc type, status; canonical copies unless asked."""

    year: int | None = None
    province: str | None = None
    city: str | None = None
    level: str | None = None
    doc_type: str | None = None
    status: str = "live"
    include_duplicates: bool = False
    site: str | None = None

    def keeps(self, record: dict[str, Any]) -> bool:
        """Whether a manifest record belongs in the selection."""
        if not self.include_duplicates and record.get("canonical_id") not in (None, record["doc_id"]):
            return False
        if self.status != "all" and record_status(record) != self.status:
            return False
        if self.site and record.get("site_id") != self.site:
            return False
        if self.year is not None and record_year(record) != self.year:
            return False
        if self.level and record.get("level") != self.level:
            return False
        if self.doc_type and record.get("doc_type") != self.doc_type:
            return False
        if self.city and not _city(record).startswith(self.city):
            return False
        return not self.province or _province_matches(record, self.province)

    def validate(self, records: Iterable[dict[str, Any]]) -> None:
        """Raise FilterError, listing the valid values, for a value no record in the corpus has."""
        records = list(records)
        if self.status not in STATUSES:
            raise FilterError(f"--status {self.status!r} is not one of {', '.join(STATUSES)}")
        checks = (
            ("site", self.site, lambda r, v: r.get("site_id") == v, lambda r: r.get("site_id")),
            ("year", self.year, lambda r, v: record_year(r) == v, lambda r: record_year(r)),
            ("province", self.province, _province_matches, _province),
            ("city", self.city, lambda r, v: _city(r).startswith(v), _city),
            ("level", self.level, lambda r, v: r.get("level") == v, lambda r: r.get("level")),
            ("doc-type", self.doc_type, lambda r, v: r.get("doc_type") == v, lambda r: r.get("doc_type")),
        )
        for option, value, matches, values in checks:
            if value is None or value == "" or any(matches(r, value) for r in records):
                continue
            held = sorted({str(v) for v in map(values, records) if v})
            raise FilterError(f"--{option} {value!r} matches no document; the corpus holds: "
                              + (", ".join(held) if held else "none"))

    def describe(self) -> dict[str, Any]:
        """The filter's set values, for reports and the web view's links."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, False, "")}


def _province_matches(record: dict[str, Any], province: str) -> bool:
    if province.isdigit():
        # A GB/T 2260 code: its first two digits are the province.
        return ((record.get("region") or {}).get("code") or "").startswith(province[:2])
    return _province(record).startswith(province)
