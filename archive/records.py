"""The typed records that cross a boundary: site rows, documents, run reports.

Each record is a frozen dataclass mirrored by a JSON Schema in `schemas/`;
`tests/test_schemas.py` keeps the two listing the same fields.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1

LEVELS = ("national", "province", "city", "county")
CMS_FAMILIES = ("trs", "hanweb", "jpaas", "gkmlpt", "vsb", "generic")


@dataclass(frozen=True)
class Column:
    """One list of documents on a site (通知公告, 政策文件, …)."""

    name: str
    url: str


@dataclass(frozen=True)
class Site:
    """A row of the site registry (`sites/*.yaml`)."""

    id: str
    name: str
    level: str
    region_code: str
    base_url: str
    cms: str
    columns: tuple[Column, ...]
    province: str | None = None
    city: str | None = None
    county: str | None = None
    enabled: bool = True
    concurrency: int = 2
    download_delay: float = 0.5
    # Provenance of a real site's row: unverified until `wjw sites check` passes.
    verified: bool = False
    evidence_date: str | None = None
    unknown_columns: tuple[str, ...] = ()
    # A plain client gets a JS challenge here: `wjw run --render` sends its pages through Chromium (off by default).
    render: bool = False
    notes: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Site:
        """Build a site from a registry row, rejecting unknown keys."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(row) - known
        if unknown:
            raise ValueError(f"site {row.get('id', '?')}: unknown keys {sorted(unknown)}")
        values = dict(row)
        values["columns"] = tuple(Column(**c) for c in row.get("columns", ()))
        values["region_code"] = str(row.get("region_code", ""))
        values["unknown_columns"] = tuple(row.get("unknown_columns") or ())
        values["notes"] = tuple(row.get("notes") or ())
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The registry row as plain data (what the spider subprocess receives)."""
        return dataclasses.asdict(self) | {"columns": [dataclasses.asdict(c) for c in self.columns]}


@dataclass(frozen=True)
class Region:
    """Where a document's issuer sits, with its GB/T 2260 code."""

    code: str
    province: str | None = None
    city: str | None = None
    county: str | None = None


@dataclass(frozen=True)
class Duplicate:
    """Another capture whose text matches this document's."""

    url: str
    sha256: str
    similarity: float
    doc_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file a document's page links to (附件), kept content-addressed in `blobs/`."""

    url: str
    blob_key: str
    sha256: str
    kind: str
    name: str = ""


@dataclass(frozen=True)
class Extractor:
    """Which extractor produced a document's text."""

    name: str
    version: str


@dataclass(frozen=True)
class Document:
    """The record stored at `docs/<doc_id>.json`."""

    doc_id: str
    title: str
    text_sha256: str
    text_key: str
    source_url: str
    site_id: str
    agency: str | None
    region: Region
    level: str
    plan_year: int | None
    published: str | None
    written: str | None
    doc_number: str | None
    index_number: str | None
    doc_type: str
    encoding: str
    fetched_at: str
    extractor: Extractor
    attachments: tuple[Attachment, ...] = ()
    text_source: str = "page"
    duplicates: tuple[Duplicate, ...] = ()
    cluster_id: str | None = None
    canonical_id: str | None = None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a record read from the store."""
        values = dict(data)
        values["region"] = Region(**data["region"])
        values["extractor"] = Extractor(**data["extractor"])
        values["attachments"] = tuple(Attachment(**a) for a in data.get("attachments", ()))
        values["duplicates"] = tuple(Duplicate(**d) for d in data.get("duplicates", ()))
        return cls(**values)

    def same_content(self, other: Document) -> bool:
        """True when only the capture time differs, so no new version is owed."""
        return dataclasses.replace(self, fetched_at="") == dataclasses.replace(other, fetched_at="")


@dataclass
class SiteReport:
    """What one run did on one site; every skip and error is counted by reason."""

    site_id: str
    pages_fetched: int = 0
    list_pages: int = 0
    detail_pages: int = 0
    plans_found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    relinked: int = 0
    # Requests Chromium sent for rendered pages (documents, their scripts); 0 when the site was not rendered.
    browser_requests: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    warc_key: str | None = None
    failed: str | None = None

    def skip(self, reason: str, n: int = 1) -> None:
        """Count a page left out, by reason."""
        self.skipped[reason] = self.skipped.get(reason, 0) + n

    def error(self, reason: str, n: int = 1) -> None:
        """Count a fetch or extraction failure, by reason."""
        self.errors[reason] = self.errors.get(reason, 0) + n


@dataclass(frozen=True)
class ManifestLine:
    """One line of `manifests/<run_id>.jsonl.gz`: a document's record and the exact versions it names."""

    doc_key: str
    doc_version_id: str | None
    text_key: str
    text_version_id: str | None
    record: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The line as JSON-ready data."""
        return dataclasses.asdict(self)


@dataclass
class RunReport:
    """`runs/<run_id>/report.json`: what a run did, per site."""

    run_id: str
    mode: str
    store: str
    started_at: str
    finished_at: str | None = None
    sites: list[SiteReport] = field(default_factory=list)
    manifest_key: str | None = None
    documents_total: int = 0
    # Sites whose monitors fired, with why (see archive.corpus.health): quiet for runs, or a sharp drop.
    health_flags: dict[str, list[str]] = field(default_factory=dict)

    def total(self, name: str) -> int:
        """Sum one counter over all sites."""
        return sum(getattr(s, name) for s in self.sites)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return dataclasses.asdict(self)
