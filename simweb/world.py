"""Build the simulated world: every site's documents across all days, from one seed."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from simweb import bodies, calendar, faults, mechanics, removals
from simweb.attachments import ATTACHED_FILES, CONTENT_TYPES, stored_attachment
from simweb.calendar import DAY0, Draft
from simweb.families import family_of
from simweb.kinds import KINDS, column_for
from simweb.model import (
    REFORM_DATE,
    Attachment,
    Document,
    Paragraph,
    Revision,
    Site,
    World,
)
from simweb.sites import SITES, V1_SITES

V1_IDS = {site.id for site in V1_SITES}
# Cover notices: the page only introduces the plan, which is in an attached file.
COVER_KINDS = {"annual_points_notice", "key_tasks_notice", "reform_tasks_notice"}

__all__ = ["World", "build_world"]

TASK_PARAGRAPH = re.compile(r"^(（[一二三四五六七八九十]+）|\d+\.)")


def build_world(seed: int = 0, copies: int = 1) -> World:
    """The whole simulated web for a seed; the same seed always gives the same world.

    `copies` K > 1 gives K × the registry's sites (a scale benchmark's world):
    copy 1 is the world of `copies=1`; copy k adds sites `<id>-k<k>` with the
    same kinds of lists, faults and edits but documents of their own (drawn
    from their own random streams), so they are not near-duplicates of copy 1's.
    """
    if copies < 1:
        raise ValueError(f"copies={copies}: give 1 or more")
    parts = [_build_copy(seed, n) for n in range(copies)]
    world = World(seed=seed, day0=DAY0, sites=tuple(s for p in parts for s in p.sites),
                  documents=tuple(d for p in parts for d in p.documents))
    return replace(world, faults=tuple(f for p in parts for f in p.faults))


def _build_copy(seed: int, copy: int) -> World:
    """One copy of the registry's sites and their documents; copy 0 keeps the sites' own ids."""
    stream = f"{seed}" if copy == 0 else f"{seed}#k{copy + 1}"
    documents: list[Document] = []
    for site in SITES:
        rng = random.Random(f"simweb:{stream}:{site.id}")
        documents += _publish(site, calendar.drafts_for(site, rng), rng)
    documents = _apply_edits(documents, random.Random(f"simweb:{stream}:edits"))
    documents = _republish(documents, random.Random(f"simweb:{stream}:republish"))
    documents = _remove(documents, random.Random(f"simweb:{stream}:removals"))
    documents = _apply_later_edits(documents, random.Random(f"simweb:{stream}:later-edits"))
    order = {site.id: n for n, site in enumerate(SITES)}
    documents.sort(key=lambda d: (order[d.site_id], -d.published.timestamp(), -d.doc_id))
    world = World(seed=seed, day0=DAY0, sites=SITES, documents=tuple(documents))
    world = replace(world, faults=faults.schedule(world, random.Random(f"simweb:{stream}:faults")))
    world = removals.take_down(world, random.Random(f"simweb:{stream}:takedowns"))
    return world if copy == 0 else _renamed(world, f"-k{copy + 1}")


def _renamed(world: World, suffix: str) -> World:
    """The world with every site id (and what names one: documents, groups, faults) given `suffix`.

    Paths and file names were drawn from the original ids while building and
    are kept as stored, so the served site answers at the same paths.
    """
    def group(name: str | None) -> str | None:
        if not name:
            return name
        source, _, rest = name.partition(":")
        return f"{source}{suffix}:{rest}"

    return replace(
        world,
        sites=tuple(replace(site, id=site.id + suffix) for site in world.sites),
        documents=tuple(replace(doc, site_id=doc.site_id + suffix, group=group(doc.group)) for doc in world.documents),
        faults=tuple(replace(fault, site_id=fault.site_id + suffix) for fault in world.faults),
    )


def _path(site: Site, column: str, published: datetime, doc_id: int) -> str:
    return family_of(site).doc_path(site, site.column(column), doc_id, published)


def _attachment_target(site: Site, column: str, published: datetime, doc_id: int, ext: str) -> str:
    family = family_of(site)
    if site.cms == "trs":
        return family.attachment_target(site, doc_id, ext, site.column(column), published)
    return family.attachment_target(site, doc_id, ext)


def _cover(site: Site, doc_id: int, column: str, published: datetime, title: str, paragraphs: list[Paragraph],
           rng: random.Random, stored: tuple[str, str] | None = None) -> tuple[list[Paragraph], Attachment]:
    """Split a 印发 notice into the cover page and the attached plan."""
    at = next(i for i, p in enumerate(paragraphs) if p.role == "title")
    cover, inner = paragraphs[:at], paragraphs[at:]
    kind = stored[0] if stored else rng.choice(("pdf", "pdf", "docx"))
    if stored:
        inner = list(stored_attachment(stored[1]).paragraphs)
    filename = f"{inner[0].text}.{kind}"
    content_type = CONTENT_TYPES[kind]
    if rng.random() < 0.3:
        content_type = rng.choice(("application/octet-stream", "text/html"))
    attachment = Attachment(kind=kind, filename=filename, target=_attachment_target(site, column, published, doc_id, kind),
                            content_type=content_type, title=inner[0].text, paragraphs=tuple(inner),
                            stored=stored[1] if stored else "")
    instruction = next((i for i, p in enumerate(cover) if p.role == "body"), len(cover))
    cover = cover[:instruction + 1] + [Paragraph(f"附件：{filename}", "attachment")] + cover[instruction + 1:]
    return cover, attachment


def _as_file(site: Site, column: str, published: datetime, doc_id: int, title: str, paragraphs: list[Paragraph],
             rng: random.Random, first: bool) -> tuple[list[Paragraph], Attachment]:
    """A plan the list links as the file itself: the file holds the title and the whole text.

    The site's first such file is served as application/octet-stream, as real servers do with uploads.
    """
    if not paragraphs or paragraphs[0].role != "title":
        paragraphs = [Paragraph(title, "title"), *paragraphs]
    kind = rng.choice(("pdf", "docx"))
    content_type = "application/octet-stream" if first or rng.random() < 0.3 else CONTENT_TYPES[kind]
    target = _attachment_target(site, column, published, doc_id, kind)
    return paragraphs, Attachment(kind=kind, filename=f"{title}.{kind}", target=target, content_type=content_type,
                                  title=title, paragraphs=tuple(paragraphs))


def _written(rng: random.Random, draft: Draft) -> date:
    kind = KINDS[draft.kind]
    lag = rng.randint(1, 10) if kind.numbered else rng.randint(0, 5) if kind.is_plan else rng.randint(0, 2)
    return draft.published.date() - timedelta(days=lag)


class _Counter:
    """Per-year running numbers (文号, 索引号): each year starts low and climbs with gaps."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last: dict[int, int] = {}

    def next(self, year: int) -> int:
        step = self.rng.randint(1, 12)
        self.last[year] = self.last.get(year, 0) + step
        return self.last[year]


def _publish(site: Site, drafts: list[Draft], rng: random.Random) -> list[Document]:
    """Write the site's drafts in publication order, numbering them as the CMS would; newest first."""
    drafts = sorted(drafts, key=lambda d: (d.published, d.kind))
    if site.cms == "trs":
        doc_id, id_steps = rng.randint(100000, 400000), (150, 2500)
    else:
        doc_id, id_steps = rng.randint(20000000, 40000000), (2000, 60000)
    doc_numbers, index_numbers = _Counter(rng), _Counter(rng)
    titles: set[str] = set()
    documents = []
    for draft in drafts:
        if (site.id, draft.year) in ATTACHED_FILES and draft.kind in calendar.ANNUAL_KINDS[site.level]:
            draft = draft._replace(kind="annual_points_notice")
        kind = KINDS[draft.kind]
        doc_id += rng.randint(*id_steps)
        column = column_for(draft.kind, site)
        written = _written(rng, draft)
        agency = site.agency_on(written)
        title, paragraphs = kind.compose(rng, site, draft.year, written, agency)
        for _ in range(8):  # a site does not publish two schemes or topic plans under one title
            if title not in titles:
                break
            title, paragraphs = kind.compose(rng, site, draft.year, written, agency)
        titles.add(title)
        attachment = None
        stored = ATTACHED_FILES.get((site.id, draft.year)) if draft.kind == "annual_points_notice" else None
        if stored or (site.id not in V1_IDS and draft.kind in COVER_KINDS and rng.random() < 0.3):
            paragraphs, attachment = _cover(site, doc_id, column, draft.published, title, paragraphs, rng, stored)
        file_plan = (attachment is None and site.shape in mechanics.FILE_SHAPES and kind.is_plan and not kind.numbered
                     and rng.random() < 0.4)
        if file_plan:
            paragraphs, attachment = _as_file(site, column, draft.published, doc_id, title, paragraphs, rng,
                                              first=not any(mechanics.is_file(d) for d in documents))
        doc_number = None
        if kind.numbered:
            prefix = site.former_doc_prefix if written < REFORM_DATE else site.doc_prefix
            doc_number = f"{prefix}〔{written.year}〕{doc_numbers.next(written.year)}号"
        index_number = None
        if site.org_code:
            year = draft.published.year
            index_number = f"{site.org_code}/{year}-{index_numbers.next(year):05d}"
        modified = draft.published + timedelta(minutes=rng.randint(0, 30))
        documents.append(Document(
            site_id=site.id,
            column=column,
            doc_id=doc_id,
            path=attachment.target if file_plan else _path(site, column, draft.published, doc_id),
            title=title,
            kind=draft.kind,
            published=draft.published,
            written=written,
            doc_number=doc_number,
            index_number=index_number,
            agency=agency,
            is_plan=kind.is_plan,
            plan_year=draft.year if kind.is_plan else None,
            views=rng.randint(80, 9000),
            revisions=(Revision(draft.day, tuple(paragraphs), modified),),
            attachment=attachment,
            cover_notice=attachment is not None and not file_plan,
        ))
    documents.reverse()
    return documents


def _apply_edits(documents: list[Document], rng: random.Random) -> list[Document]:
    """Add a sentence to each scheduled plan, as a new revision under the same URL."""
    for day, site_id in calendar.EDITS:
        target = next(
            i for i, doc in enumerate(documents)
            if doc.site_id == site_id and doc.is_plan and doc.first_day == 0 and not doc.cover_notice
        )
        doc = documents[target]
        paragraphs = list(doc.revisions[-1].paragraphs)
        tasks = [i for i, p in enumerate(paragraphs) if TASK_PARAGRAPH.match(p.text)]
        at = rng.choice(tasks)
        paragraphs[at] = Paragraph(paragraphs[at].text + bodies.addendum(rng, doc.agency), paragraphs[at].role)
        modified = datetime.combine(DAY0 + timedelta(days=day), time(9, rng.randint(0, 59)))
        documents[target] = replace(doc, revisions=doc.revisions + (Revision(day, tuple(paragraphs), modified),))
    return documents


def _apply_later_edits(documents: list[Document], rng: random.Random) -> list[Document]:
    """The month of corrections after day 3 (calendar.LATER_EDITS): a sentence more, under the same URL.

    Only plain pages of the site's own (no cover notice, no file, no republished copy, never taken down)
    are edited, so the truth's `version` is all a crawler has to find.
    """
    for day, site_id, which in calendar.LATER_EDITS:
        on = DAY0 + timedelta(days=day)
        candidates = [i for i, doc in enumerate(documents)
                      if doc.site_id == site_id and doc.is_plan and doc.first_day <= day and not doc.attachment
                      and not doc.group and doc.removed is None and doc.revisions[-1].day < day]
        if which == "older":
            candidates = [i for i in candidates if documents[i].published.date() <= on - timedelta(days=365)]
            at = rng.choice(candidates)
        else:
            at = max(candidates, key=lambda i: documents[i].published)
        documents[at] = _with_sentence(documents[at], day, rng)
    return documents


def _with_sentence(doc: Document, day: int, rng: random.Random) -> Document:
    """The document with one task paragraph lengthened, as a new revision on `day`."""
    paragraphs = list(doc.revisions[-1].paragraphs)
    tasks = [i for i, p in enumerate(paragraphs) if TASK_PARAGRAPH.match(p.text)] or [len(paragraphs) - 1]
    at = rng.choice(tasks)
    paragraphs[at] = Paragraph(paragraphs[at].text + bodies.addendum(rng, doc.agency), paragraphs[at].role)
    modified = datetime.combine(DAY0 + timedelta(days=day), time(9, rng.randint(0, 59)))
    return replace(doc, revisions=doc.revisions + (Revision(day, tuple(paragraphs), modified),))


# Republication: a provincial plan copied by a city commission of the province and by the aggregator.
REPUBLISHERS = {
    "sim-hb-wjw": "sim-wh-wjw", "sim-gz-wjw": "sim-gy-wjw", "sim-ln-wsjk": "sim-sy-wsjk", "sim-gd-wsjkw": "sim-sz-wjw",
    "sim-js-wjw": "sim-nj-wjw", "sim-ha-wsjkw": "sim-zz-wjw",
}
AGGREGATOR = "sim-czh-zb"


def _copy(doc: Document, site: Site, paragraphs: list[Paragraph], title: str, rng: random.Random, lag: int) -> Document:
    published = doc.published + timedelta(days=lag, minutes=rng.randint(5, 300))
    column = column_for(doc.kind, site) or site.columns[-1].key
    doc_id = doc.doc_id % 10000 + rng.randint(5000000, 9000000)
    modified = published + timedelta(minutes=3)
    return replace(
        doc, site_id=site.id, column=column, doc_id=doc_id, path=_path(site, column, published, doc_id), title=title,
        published=published, views=rng.randint(30, 800), index_number=None,
        revisions=(Revision(doc.first_day, tuple(paragraphs), modified),),
        attachment=None, cover_notice=False, source=False,
    )


def _republish(documents: list[Document], rng: random.Random) -> list[Document]:
    """Copy two plans of each provincial site onto a city site and the aggregator, with small edits."""
    sites = {site.id: site for site in SITES}
    out = list(documents)
    for source_id, city_id in REPUBLISHERS.items():
        plans = [d for d in documents if d.site_id == source_id and d.is_plan and not d.cover_notice
                 and len(d.revisions) == 1 and d.published.year >= 2016 and d.published.date() < DAY0 - timedelta(days=10)]
        for doc in rng.sample(plans, min(2, len(plans))):
            group = f"{source_id}:{doc.doc_id}"
            at = out.index(doc)
            out[at] = replace(doc, group=group, source=True)
            paragraphs = list(doc.revisions[0].paragraphs)
            city_paragraphs = paragraphs[:-1] + [Paragraph(f"（来源：{doc.agency}）")] if len(paragraphs) > 3 else paragraphs
            out.append(replace(_copy(doc, sites[city_id], city_paragraphs, doc.title, rng, rng.randint(1, 4)), group=group))
            aggregator = sites[AGGREGATOR]
            title = f"【{sites[source_id].short}】{doc.title}"
            out.append(replace(_copy(doc, aggregator, paragraphs, title, rng, rng.randint(2, 6)), group=group))
    return out


def _remove(documents: list[Document], rng: random.Random) -> list[Document]:
    """Take one older document of each scheduled site down on its day."""
    for day, site_id, how in calendar.REMOVALS:
        candidates = [i for i, d in enumerate(documents)
                      if d.site_id == site_id and d.first_day == 0 and not d.group and len(d.revisions) == 1 and not d.attachment]
        at = rng.choice(candidates)
        documents[at] = replace(documents[at], removed=(day, how))
    return documents
