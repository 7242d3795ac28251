"""The simulated world's records: sites, columns, documents and their revisions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime, timedelta
from typing import NamedTuple


class Paragraph(NamedTuple):
    """One paragraph of a body; `role` only steers rendering (bold, centred, right-aligned)."""

    text: str
    role: str = "body"  # body | heading | title | salutation | signature


@dataclass(frozen=True)
class Column:
    """A list column of a site (通知公告, 规划计划 ...)."""

    key: str  # TRS: the path under the site root ("tzgg", "xxgk/ghjh"); Hanweb: the column id
    name: str
    section: str  # the breadcrumb level above the column, e.g. 政务公开
    unit_id: int = 0  # Hanweb: the list unit holding the records; VSB: the column id in /info/<id>/ paths
    robots_disallowed: bool = False


@dataclass(frozen=True)
class Site:
    """A health-commission website and the chrome its pages carry."""

    id: str
    name: str
    former_name: str  # the 卫生和计划生育委员会 name used before the 2018-19 reform
    short: str  # 湖北, 荆门 ... as in 健康湖北
    scope: str  # 全省, 全市, 全县, 全区
    level: str  # province | city | county
    province: str
    city: str | None
    county: str | None
    region_code: str
    cms: str  # trs | hanweb | jpaas | gkmlpt | vsb | generic
    columns: tuple[Column, ...]
    since: int  # first year the site publishes
    page_size: int
    doc_prefix: str  # 文号 prefix, e.g. 荆卫发
    former_doc_prefix: str
    org_code: str | None  # 索引号 prefix; None when the site shows no 索引号
    meta_charset: str  # the <meta> that declares the page encoding
    header_charset: str | None  # charset in the HTTP Content-Type header, None for none
    tech_support: str
    icp: str
    police_record: str
    site_code: str
    domain: str = ""  # the real-looking host named in <meta name="SiteDomain">
    date_style: str = "iso"  # how the metadata table writes dates: iso | cn | cn_padded
    truncates_titles: bool = False  # whether list pages cut long titles short (the title= attribute stays whole)
    web_id: int = 0  # Hanweb and jpaas webId; gkmlpt sid
    encoding: str = ""  # how the bytes are really encoded; "" for the family's habit (TRS GBK, others UTF-8)
    page_style: str = "index"  # TRS: "index" numbers later pages index_1, index_2 ...; "index1" starts at index_2
    page_ext: str = "html"  # TRS list and detail pages: html or shtml
    tpl_set_id: str = ""  # jpaas only
    shape: str = ""  # generic only: portal | aggregator, or a list mechanic (simweb.mechanics.SHAPES)
    tables: bool = False  # whether key-task plans carry a task table

    def column(self, key: str) -> Column:
        """The column with this key."""
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"site {self.id} has no column {key!r}")

    @property
    def body_encoding(self) -> str:
        """The codec the site's pages are really written in."""
        return self.encoding or ("gbk" if self.cms == "trs" else "utf-8")

    def agency_on(self, day: date) -> str:
        """The issuing agency's name on a date: commissions were renamed in the 2018-19 reform."""
        return self.former_name if day < REFORM_DATE else self.name


# Most provincial and city commissions took the 卫生健康 name between autumn 2018 and early 2019.
REFORM_DATE = date(2019, 1, 1)


@dataclass(frozen=True)
class Revision:
    """The body of a document as it stands from `day` on."""

    day: int
    paragraphs: tuple[Paragraph, ...]
    modified: datetime  # naive, China Standard Time

    @property
    def text(self) -> str:
        """The clean body text: paragraphs joined by newlines."""
        return "\n".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class Attachment:
    """A file linked from a document page; for a cover notice the plan itself is in it."""

    kind: str  # pdf | docx | doc | wps
    filename: str  # the name the link shows, e.g. 2021年…工作要点.pdf
    target: str  # path (and query) on the site, starting with "/"
    content_type: str  # what the server claims, sometimes wrong
    title: str  # the title printed inside the file
    paragraphs: tuple[Paragraph, ...]  # the file's text
    stored: str = ""  # DOC/WPS: the name of the pre-generated file under simweb/data/

    @property
    def text(self) -> str:
        """The file's clean text: paragraphs joined by newlines."""
        return "\n".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class Document:
    """One published page, with the facts an extractor should recover from it."""

    site_id: str
    column: str
    doc_id: int
    path: str  # absolute path on the site, starting with "/"
    title: str
    kind: str
    published: datetime  # naive, China Standard Time
    written: date | None  # 成文日期; the ground truth claims it only where the page prints it (truth.shown_metadata)
    doc_number: str | None
    index_number: str | None
    agency: str
    is_plan: bool
    plan_year: int | None
    views: int
    revisions: tuple[Revision, ...]  # ordered by day; the first is the original
    attachment: Attachment | None = None
    cover_notice: bool = False  # the page only introduces the attachment, which holds the plan
    removed: tuple[int, str] | None = None  # (day, "404" | "410" | "page"): its URL answers gone from that day on
    back_on: int | None = None  # served and listed again from this day: a removal undone (simweb.removals)
    delisted_from: int | None = None  # gone from its list from this day on, whether or not still served
    group: str | None = None  # republication group: the same plan on several sites
    source: bool = False  # the issuing agency's own copy within its group

    @property
    def first_day(self) -> int:
        """The simulation day on which the document appears."""
        return self.revisions[0].day

    def exists_on(self, day: int) -> bool:
        """Whether the document is served on that day."""
        return day >= self.first_day and not self.removed_on(day)

    def listed_on(self, day: int) -> bool:
        """Whether the document is served and its column lists it on that day."""
        return self.exists_on(day) and (self.delisted_from is None or day < self.delisted_from)

    def removed_on(self, day: int) -> bool:
        """Whether the document is taken down on that day (and not yet back)."""
        return (self.removed is not None and day >= self.removed[0]
                and (self.back_on is None or day < self.back_on))

    def revision_on(self, day: int) -> Revision:
        """The revision in force on that day."""
        current = self.revisions[0]
        for revision in self.revisions:
            if revision.day <= day:
                current = revision
        return current

    def version_on(self, day: int) -> int:
        """1 for the original text, bumped by every edit up to that day."""
        return sum(1 for r in self.revisions if r.day <= day)


@dataclass(frozen=True)
class World:
    """All sites and documents of one seed, across all days."""

    seed: int
    day0: date
    sites: tuple[Site, ...]
    documents: tuple[Document, ...]  # per site, newest first
    faults: tuple = ()  # simweb.faults.Fault, every day's

    def site(self, site_id: str) -> Site:
        """The site with this id."""
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(f"no simulated site {site_id!r}")

    def date_of(self, day: int) -> date:
        """The calendar date of a simulation day."""
        return self.day0 + timedelta(days=day)

    def documents_on(self, day: int, site_id: str | None = None, column: str | None = None) -> list[Document]:
        """Documents listed that day, newest first, optionally for one site and column."""
        if site_id is None:
            return [doc for doc in self.documents if doc.listed_on(day) and (column is None or doc.column == column)]
        return [
            doc
            for doc in self._by_site.get(site_id, ())
            if doc.listed_on(day) and (column is None or doc.column == column)
        ]

    def attachment_at(self, site_id: str, target: str) -> Document | None:
        """The document whose attachment is served at this path and query, whatever the day."""
        return self._by_attachment.get((site_id, target))

    def documents_in_group(self, group: str) -> list[Document]:
        """Every copy of a republished plan."""
        return [doc for doc in self.documents if doc.group == group]

    @cached_property
    def _by_site(self) -> dict[str, list[Document]]:
        grouped: dict[str, list[Document]] = {}
        for doc in self.documents:
            grouped.setdefault(doc.site_id, []).append(doc)
        return grouped

    @cached_property
    def _by_attachment(self) -> dict[tuple[str, str], Document]:
        return {(doc.site_id, doc.attachment.target): doc for doc in self.documents if doc.attachment}

    def document_at(self, site_id: str, path: str) -> Document | None:
        """The document served at this path of the site, whatever the day."""
        return self._by_path.get((site_id, path))

    @cached_property
    def _by_path(self) -> dict[tuple[str, str], Document]:
        return {(doc.site_id, doc.path): doc for doc in self.documents}
