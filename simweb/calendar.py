"""What each site publishes in a year, and when; and what happens after day 0."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from simweb.kinds import column_for
from simweb.model import Site
from simweb.sites import V1_SITES

V1_IDS = {site.id for site in V1_SITES}
# Sites of list mechanics (simweb.mechanics.SHAPES) also publish a plan's lookalikes: 政策解读, 图解, 征求意见稿.
LOOKALIKE_SHAPES = ("form", "script", "frame", "gbkquery")

# The calendar date of simulation day 0.
DAY0 = date(2026, 3, 2)

# Kinds that are a site's one annual plan; a site publishes one of these per year.
ANNUAL_KINDS = {
    "province": ("annual_points", "annual_points_notice", "key_tasks_notice"),
    "city": ("annual_points", "annual_points_notice", "key_tasks_notice", "work_plan"),
    "county": ("work_plan", "annual_points", "annual_points_notice", "work_arrangement"),
    "national": ("annual_points", "key_tasks_notice"),
}

# Documents published after day 0: (site id, day, kind). The first two are new plans on day 1.
ARRIVALS: tuple[tuple[str, int, str], ...] = (
    ("sim-jm-wjw", 1, "annual_points"),
    ("sim-zj-wsjkw", 1, "key_tasks_notice"),
    ("sim-hb-wjw", 1, "recruitment"),
    ("sim-hy-wjj", 1, "annual_report"),
    ("sim-sy-wjj", 2, "work_plan"),
    ("sim-yz-wjw", 2, "meeting_news"),
    ("sim-gd-wsjkw", 1, "topic_points"),
    ("sim-hz-wjw", 1, "annual_points"),
    ("sim-nx-wsjkw", 1, "recruitment"),
    ("sim-jz-wjw", 1, "meeting_news"),
    ("sim-czh-zb", 1, "tender"),
    ("sim-czh-zb", 2, "tender"),
    ("sim-nhc", 2, "topic_points"),
    ("sim-cd-wjw", 2, "annual_points"),
    ("sim-jn-wjw", 3, "annual_points"),
    ("sim-sz-wjw", 3, "summary"),
)

# Plans edited after publication: (day, site id). The site's newest plan of day 0 gains a sentence.
EDITS: tuple[tuple[int, str], ...] = (
    (1, "sim-hb-wjw"), (1, "sim-yz-wjw"), (1, "sim-gd-wsjkw"), (2, "sim-hz-wjw"), (2, "sim-ln-wsjk"), (3, "sim-js-wjw"),
)

# Plans corrected in place over the month after day 3, for the revisit benchmark (bench/revisits.py):
# (day, site id, which). "newest": the site's newest plan that day, as most corrections come soon after
# publication; "older": a plan published a year or more before, an old page fixed, which only the revisit
# schedule's cap bounds. Lists show the same title and date after the edit; only the page says it changed.
LATER_EDITS: tuple[tuple[int, str, str], ...] = (
    (5, "sim-zj-wsjkw", "newest"), (6, "sim-hy-wjj", "newest"), (8, "sim-sy-wjj", "newest"),
    (9, "sim-jm-wjw", "older"), (11, "sim-hb-wjw", "newest"), (13, "sim-yz-wjw", "newest"),
    (15, "sim-zj-wsjkw", "older"), (17, "sim-jm-wjw", "newest"), (20, "sim-hy-wjj", "older"),
    (22, "sim-hb-wjw", "newest"), (24, "sim-sy-wjj", "older"), (26, "sim-yz-wjw", "newest"),
)

# Documents taken down: (day, site id, how). "404" answers 404; "page" answers 200 with a 已删除 notice.
# simweb.removals takes dozens more down, in every way, and fakes as many removals that are not.
REMOVALS: tuple[tuple[int, str, str], ...] = (
    (1, "sim-jm-wjw", "404"), (1, "sim-sz-wjw", "page"), (2, "sim-cq-wsjkw", "404"), (3, "sim-xj-wjw", "page"),
)

# Kinds about the year before the one they are published in.
LOOKS_BACK = {"summary", "annual_report"}

# (kind, chance per year, first month, last month) of the documents around the plans.
ROUTINE = {
    "province": (
        ("summary", 0.4, 1, 2), ("annual_report", 0.4, 1, 3), ("recruitment", 0.4, 3, 10),
        ("epidemic_month", 0.5, 2, 12), ("meeting_news", 0.3, 1, 3), ("scheme", 0.3, 3, 11),
        ("progress", 0.15, 12, 12), ("publicity", 0.2, 5, 11), ("call_for_points", 0.2, 11, 12),
    ),
    "county": (
        ("summary", 0.4, 1, 2), ("annual_report", 0.5, 1, 3), ("recruitment", 0.5, 3, 10),
        ("meeting_news", 0.4, 1, 3), ("scheme", 0.2, 3, 11), ("publicity", 0.4, 5, 11),
        ("call_for_points", 0.15, 11, 12),
    ),
}
ROUTINE["city"] = ROUTINE["province"]
ROUTINE["national"] = ROUTINE["province"]


class Draft(NamedTuple):
    """A document decided on but not yet written."""

    kind: str
    year: int  # the year it is about: a plan's year, a summary's year
    published: datetime
    day: int = 0


def _moment(rng: random.Random, first: date, last: date) -> datetime:
    """A working-hours publication time between two dates."""
    span = max((last - first).days, 0)
    day = first + timedelta(days=rng.randint(0, span))
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)))


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _year_drafts(site: Site, rng: random.Random, year: int, skip_annual: bool) -> list[Draft]:
    if site.shape == "aggregator":
        return [Draft("tender", year, _moment(rng, date(year, 1, 5), date(year, 12, 28))) for _ in range(rng.randint(4, 7))]
    # simweb v1's six sites publish densely; the others more thinly, so the whole web stays quick to crawl.
    density = 1.0 if site.id in V1_IDS else 0.6
    drafts = []
    if not skip_annual:
        kind = rng.choice(ANNUAL_KINDS[site.level])
        drafts.append(Draft(kind, year, _moment(rng, date(year - 1, 12, 15), date(year, 4, 30))))
    topics = rng.choice((0, 1, 1, 2)) if site.level != "county" else int(rng.random() < 0.2)
    if density < 1.0:
        topics = min(topics, 1)
    for _ in range(topics):
        drafts.append(Draft("topic_points", year, _moment(rng, date(year, 2, 1), date(year, 6, 30))))
    if site.level != "county" and rng.random() < 0.4:
        drafts.append(Draft("reform_tasks_notice", year, _moment(rng, date(year, 4, 1), date(year, 8, 31))))
    for kind, chance, first, last in ROUTINE[site.level]:
        if rng.random() < chance * density:
            subject = year - 1 if kind in LOOKS_BACK else year
            drafts.append(Draft(kind, subject, _moment(rng, date(year, first, 1), _month_end(year, last))))
    if site.shape in LOOKALIKE_SHAPES:
        for kind, chance, first, last in (("interpretation", 0.7, 1, 6), ("consultation", 0.5, 11, 12)):
            if rng.random() < chance:
                drafts.append(Draft(kind, year, _moment(rng, date(year, first, 1), _month_end(year, last))))
    if site.level != "county" and 2020 <= year <= 2022:
        for _ in range(rng.randint(1, 2) if density == 1.0 else rng.randint(0, 1)):
            drafts.append(Draft("covid_report", year, _moment(rng, date(year, 2, 1), date(year, 12, 20))))
    return drafts


def drafts_for(site: Site, rng: random.Random) -> list[Draft]:
    """Every document the site will have published, day 0 and after, in no particular order."""
    arrivals = [(day, kind) for site_id, day, kind in ARRIVALS if site_id == site.id]
    drafts: list[Draft] = []
    # Beyond v1's sites, cities and counties show only their recent years (older pages were not migrated).
    first_year = site.since if site.id in V1_IDS or site.level in ("national", "province") else max(site.since, 2019)
    for year in range(first_year, DAY0.year + 1):
        skip_annual = year == DAY0.year and any(kind in ANNUAL_KINDS.get(site.level, ()) for _, kind in arrivals)
        for draft in _year_drafts(site, rng, year, skip_annual):
            earliest = date(first_year, 1, 1)
            if earliest <= draft.published.date() <= DAY0 and column_for(draft.kind, site):
                drafts.append(draft)
    for day, kind in arrivals:
        moment = datetime.combine(DAY0 + timedelta(days=day), time(rng.randint(9, 11), rng.randint(0, 59)))
        subject = moment.year - 1 if kind in LOOKS_BACK else moment.year
        drafts.append(Draft(kind, subject, moment, day))
    return drafts
