"""Build the simulated world: every site's documents across all days, from one seed."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from simweb import bodies, calendar
from simweb.calendar import DAY0, Draft
from simweb.kinds import KINDS, column_for
from simweb.model import REFORM_DATE, Document, Paragraph, Revision, Site, World
from simweb.sites import SITES

__all__ = ["World", "build_world"]

TASK_PARAGRAPH = re.compile(r"^(（[一二三四五六七八九十]+）|\d+\.)")


def build_world(seed: int = 0) -> World:
    """The whole simulated web for a seed; the same seed always gives the same world."""
    documents: list[Document] = []
    for site in SITES:
        rng = random.Random(f"simweb:{seed}:{site.id}")
        documents += _publish(site, calendar.drafts_for(site, rng), rng)
    documents = _apply_edits(documents, random.Random(f"simweb:{seed}:edits"))
    return World(seed=seed, day0=DAY0, sites=SITES, documents=tuple(documents))


def _path(site: Site, column: str, published: datetime, doc_id: int) -> str:
    if site.cms == "trs":
        return f"/{column}/{published:%Y%m}/t{published:%Y%m%d}_{doc_id}.html"
    return f"/art/{published.year}/{published.month}/{published.day}/art_{column}_{doc_id}.html"


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
        doc_number = None
        if kind.numbered:
            prefix = site.former_doc_prefix if written < REFORM_DATE else site.doc_prefix
            doc_number = f"{prefix}〔{written.year}〕{doc_numbers.next(written.year)}号"
        index_number = None
        if site.org_code:
            year = draft.published.year
            index_number = f"{site.org_code}/{year}-{index_numbers.next(year):05d}"
        # Hanweb pages show 成文日期 only in their metadata table, which only numbered or indexed pages carry.
        shows_written = site.cms == "trs" or doc_number or index_number
        modified = draft.published + timedelta(minutes=rng.randint(0, 30))
        documents.append(Document(
            site_id=site.id,
            column=column,
            doc_id=doc_id,
            path=_path(site, column, draft.published, doc_id),
            title=title,
            kind=draft.kind,
            published=draft.published,
            written=written if shows_written else None,
            doc_number=doc_number,
            index_number=index_number,
            agency=agency,
            is_plan=kind.is_plan,
            plan_year=draft.year if kind.is_plan else None,
            views=rng.randint(80, 9000),
            revisions=(Revision(draft.day, tuple(paragraphs), modified),),
        ))
    documents.reverse()
    return documents


def _apply_edits(documents: list[Document], rng: random.Random) -> list[Document]:
    """Add a sentence to each scheduled plan, as a new revision under the same URL."""
    for day, site_id in calendar.EDITS:
        target = next(
            i for i, doc in enumerate(documents)
            if doc.site_id == site_id and doc.is_plan and doc.first_day == 0
        )
        doc = documents[target]
        paragraphs = list(doc.revisions[-1].paragraphs)
        tasks = [i for i, p in enumerate(paragraphs) if TASK_PARAGRAPH.match(p.text)]
        at = rng.choice(tasks)
        paragraphs[at] = Paragraph(paragraphs[at].text + bodies.addendum(rng, doc.agency), paragraphs[at].role)
        modified = datetime.combine(DAY0 + timedelta(days=day), time(9, rng.randint(0, 59)))
        documents[target] = replace(doc, revisions=doc.revisions + (Revision(day, tuple(paragraphs), modified),))
    return documents
