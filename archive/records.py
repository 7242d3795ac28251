"""The typed records that cross a boundary: site rows, crawl jobs and summaries, site checks, capture metadata, documents, run reports.

Each record is a frozen dataclass mirrored by a JSON Schema in `schemas/`;
`tests/test_schemas.py` keeps the two listing the same fields.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from archive.families import CMS_FAMILIES  # noqa: F401  (re-exported: the registry and the CLI read it here)

SCHEMA_VERSION = 1

LEVELS = ("national", "province", "city", "county")


@dataclass(frozen=True)
class ListData:
    """Where a script-loaded list gets its entries, for a column whose page is an empty shell.

    `url` is the data endpoint with `{page}` for the page number; the other
    fields are dot paths into each reply (`entries`: the array; `title`,
    `link`, `date`: fields of one entry; `link` may be a template such as
    `/content/{id}.html`). A path left out is found by its name and value.
    """

    url: str
    entries: str | None = None
    title: str | None = None
    link: str | None = None
    date: str | None = None
    first_page: int = 1


@dataclass(frozen=True)
class Column:
    """One list of documents on a site (通知公告, 政策文件, …)."""

    name: str
    url: str
    list_data: ListData | None = None  # the column's entries come from this endpoint, not from its page

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Column:
        """A column from its registry mapping, its `list_data` read too."""
        values = dict(row)
        if values.get("list_data") is not None:
            values["list_data"] = ListData(**values["list_data"])
        return cls(**values)


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
    # Hosts besides the base URL's and the columns' that the site's redirects may go to (spiders/redirects.py).
    allowed_hosts: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Site:
        """Build a site from a registry row, rejecting unknown keys."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(row) - known
        if unknown:
            raise ValueError(f"site {row.get('id', '?')}: unknown keys {sorted(unknown)}")
        values = dict(row)
        values["columns"] = tuple(Column.from_dict(c) for c in row.get("columns", ()))
        values["region_code"] = str(row.get("region_code", ""))
        values["unknown_columns"] = tuple(row.get("unknown_columns") or ())
        values["notes"] = tuple(row.get("notes") or ())
        values["allowed_hosts"] = tuple(row.get("allowed_hosts") or ())
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The registry row as plain data (what the spider subprocess receives)."""
        return dataclasses.asdict(self) | {"columns": [dataclasses.asdict(c) for c in self.columns]}


def _closed(cls, data: dict[str, Any], what: str) -> dict[str, Any]:
    """The data of a closed record: unknown keys are an error naming them, never silently dropped."""
    unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise ValueError(f"{what}: unknown keys {sorted(unknown)}")
    return dict(data)


@dataclass(frozen=True)
class CrawlJob:
    """What the archive asks of a crawl child (`python -m spiders.run JOB.json …`) for one site: the site and its bounds."""

    site: Site
    warc_path: str
    summary_path: str
    mode: str = "nightly"
    since: str | None = None
    until: str | None = None
    max_pages: int | None = None
    # URL -> what the store holds of it: HTTP validators and first-seen time (an empty dict: listed, nothing more).
    known: dict[str, dict[str, str]] = field(default_factory=dict)
    revisit_days: int = 30
    chromium: str | None = None  # the browser to render with, found by the parent; None: a plain crawl
    settings: dict[str, Any] = field(default_factory=dict)  # Scrapy setting overrides
    # Where the child writes this site's own log lines; None: to its stderr (a site crawled alone).
    log_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The job as JSON-ready data."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)} | {"site": self.site.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlJob:
        """Read a job file's data, rejecting unknown keys."""
        values = _closed(cls, data, "crawl job")
        values["site"] = Site.from_dict(values["site"])
        return cls(**values)


@dataclass(frozen=True)
class CrawlSummary:
    """What a crawl child reports back beside its WARC: counters by name, skips and errors by reason."""

    site_id: str
    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    listed: tuple[str, ...] = ()  # every URL the site's lists showed in this crawl
    finish_reason: str | None = None
    # Up to SAMPLE_URLS URLs per error reason, so an operator sees which pages failed, not only how many.
    error_samples: dict[str, list[str]] = field(default_factory=dict)
    # Entries on each column's first list page that lists any: the same count whatever the mode, so health
    # compares runs fairly.
    first_page_entries: dict[str, int] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)  # Scrapy's own numeric stats (elapsed_time_seconds, …)
    # nightly or backfill: a nightly crawl is one night of the revisit schedule (archive.run.revisits).
    mode: str | None = None
    # How known documents were chosen for revisits: the recent-window rule, or the adaptive schedule whose
    # state only an adaptive crawl's ingest advances (so the default nightly leaves an unchanged store unchanged).
    revisits: str = "window"

    def count(self, name: str) -> int:
        """One counter, 0 when the crawl never counted it."""
        return int(self.counts.get(name, 0))

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return dataclasses.asdict(self) | {"listed": list(self.listed)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlSummary:
        """Read a summary, rejecting unknown keys."""
        values = _closed(cls, data, "crawl summary")
        values["listed"] = tuple(values.get("listed") or ())
        return cls(**values)


@dataclass(frozen=True)
class SiteCheckJob:
    """What `wjw sites check` asks of its crawl child (`python -m spiders.check JOB.json`): which sites, how patiently."""

    sites: tuple[Site, ...]
    result_path: str  # where the child writes its column checks (a JSON list, column-check.schema.json)
    timeout: float = 10.0  # seconds per request, and the longest a retry waits
    workers: int = 8  # sites crawled at the same time; each gets one request at a time
    settings: dict[str, Any] = field(default_factory=dict)  # Scrapy setting overrides

    def to_dict(self) -> dict[str, Any]:
        """The job as JSON-ready data."""
        return dataclasses.asdict(self) | {"sites": [site.to_dict() for site in self.sites]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteCheckJob:
        """Read a check job file's data, rejecting unknown keys."""
        values = _closed(cls, data, "site check job")
        values["sites"] = tuple(Site.from_dict(site) for site in values["sites"])
        return cls(**values)


@dataclass(frozen=True)
class ColumnCheck:
    """What the check's crawl saw of one column: its first list page, and one step past the first that lists.

    The spider fills everything but `hint`, which the archive writes from the
    rest (archive/run/sitecheck.py). Failures carry the crawl's own names
    (`http_500`, `dns`, `timeout`, `robots_disallowed`, `offsite_redirect`, …).
    """

    site_id: str
    column: str
    url: str  # the column's first list request: its page, or the first page of its declared list_data
    status: int | None = None  # None: no HTTP answer at all
    final_url: str | None = None  # where the first list page answered from, after redirects
    items: int = 0  # entries on the first page that lists any
    newest: str | None = None
    blocked: str | None = None  # the anti-bot page that answered (412_js_challenge, 521_jiasule, …)
    problem: str | None = None  # why no list was read
    shell: bool = False  # page 1 listed nothing but named its list (jpaas's API, a frame): that page was read
    script_fetches: bool = False  # page 1 lists nothing and its script fetches data
    next_url: str | None = None  # the page after the first that lists, as its pager or script names it
    next_items: int | None = None  # new entries on that page; None when there was none to ask for
    next_listed: int = 0  # entries on that page, new or not
    next_problem: str | None = None  # why that page gave no list
    hint: str | None = None  # why the column yields nothing past page 1 (or at all), and what to try

    @property
    def redirected(self) -> bool:
        """True when the list page answered from another URL."""
        return bool(self.final_url) and self.final_url != self.url

    @property
    def stalls(self) -> bool:
        """True when page 1 lists documents but the page after it, which the pager names, lists none."""
        return self.items > 0 and self.next_items == 0

    @property
    def lists_nothing(self) -> bool:
        """True when the column's page answered but no list was found on it or behind it."""
        return self.status == 200 and not self.items and not self.blocked and not self.problem

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON-ready data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnCheck:
        """Read a column check, rejecting unknown keys."""
        return cls(**_closed(cls, data, "column check"))


@dataclass(frozen=True)
class CaptureMeta:
    """The spider's metadata record beside each response in a WARC: what the capture was and where it was found."""

    site: str
    kind: str = "other"  # list, detail, robots, attachment, other
    column: str | None = None
    title: str | None = None  # the title its list showed (a detail page) or its link text (an attachment)
    date: str | None = None  # the date its list showed
    doc_type: str | None = None  # what the title says the document is (archive.classify)
    listed: str | None = None  # the URL the list linked, which names the document whatever the redirects
    parent: str | None = None  # an attachment's page
    rendered: str | None = None  # dom, raw or download when Chromium fetched it (spiders/render.py)
    title_cut: bool | None = None  # True when the list cut `title` short: the document's own title decides

    def to_dict(self) -> dict[str, Any]:
        """The metadata as JSON-ready data, without the fields left unset."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaptureMeta:
        """Read a metadata record, rejecting unknown keys."""
        return cls(**_closed(cls, data, "capture metadata"))


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
    first_seen: str | None = None  # when the archive first captured it
    # The last capture that found it served, as of this version: a night that only finds it unchanged writes no
    # version, so for a live document it can be older than the latest visit; for a removed one it is the last
    # time it was there.
    last_seen: str | None = None
    status: str = "live"  # live | removed: taken down, confirmed over repeated revisits; the copy is kept
    # The first revisit that found it gone (404, 410 or a removal notice), not the night that confirmed it.
    removed_at: str | None = None
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
        """True when only the capture times differ, so no new version is owed."""
        return (dataclasses.replace(self, fetched_at="", last_seen=None)
                == dataclasses.replace(other, fetched_at="", last_seen=None))


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
    removed: int = 0  # documents confirmed taken down this run
    restored: int = 0  # removed documents served again
    # What changed, by doc id: what a researcher diffs between runs.
    new_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    removed_ids: list[str] = field(default_factory=list)
    error_samples: dict[str, list[str]] = field(default_factory=dict)  # reason -> a few URLs that failed so
    first_page_entries: dict[str, int] = field(default_factory=dict)  # column -> entries on its first list page
    scrapy_stats: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase: crawl, ingest

    def skip(self, reason: str, n: int = 1) -> None:
        """Count a page left out, by reason."""
        self.skipped[reason] = self.skipped.get(reason, 0) + n

    def error(self, reason: str, n: int = 1) -> None:
        """Count a fetch or extraction failure, by reason."""
        self.errors[reason] = self.errors.get(reason, 0) + n


@dataclass(frozen=True)
class ManifestLine:
    """One line of `manifests/<run_id>.jsonl.gz`: a document's record and the exact versions it names.

    `doc_sha256` is the sha256 of the pinned record version's bytes, so verify
    can check that version against a digest kept outside the store's own
    bookkeeping (None in manifests written before it was recorded).
    """

    doc_key: str
    doc_version_id: str | None
    text_key: str
    text_version_id: str | None
    record: dict[str, Any]
    doc_sha256: str | None = None

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
    # WARCs that earlier runs stored and died before ingesting, which this run ingested.
    recovered: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        """Sum one counter over all sites."""
        return sum(getattr(s, name) for s in self.sites)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return dataclasses.asdict(self)
