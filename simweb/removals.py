"""Documents that sites take down, and the passing faults that only look like it, with their truth.

What a researcher measures is which plans a government took down and when;
what an archive must not do is take a bad night for a removal. So besides the
calendar's four removals (`calendar.REMOVALS`), simweb takes dozens of older
plans down in each of the ways real sites do, and fakes as many removals that
are not:

- ``404``, ``410``: the page answers 404 Not Found or 410 Gone from its day on;
- ``page``: it answers 200 with a short notice (a soft 404), in several wordings
  (页面不存在, 已删除, 找不到 …), some inside the site's footer;
- ``unlisted``: it leaves its column's list, which is still served, while its URL
  still answers for a night; from the next day on the URL is gone (404 or a notice);
- ``comeback``: taken down (404, 410 or a notice) and served and listed again
  days later, once an archive has confirmed the removal: live again;
- ``transient``: 404, 500 or 503 for one or two nights while still listed, then
  back (never a removal);
- ``delisted``: leaves its list but is served on (never a removal).

The removal day in the truth is the first day the URL answers gone; an
archive can see no earlier (its nightly lists stop at what it knows, so a
document missing from a list says nothing until its URL is revisited).
Only plans archived on day 0, on sites no WAF guards (and not the two that other
tests crawl clean), past their column's
first list page (so the first pages a health check counts keep their size)
are chosen, none touched by another fault.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace

from simweb.faults import Fault
from simweb.model import Document, Site, World
from simweb.pages import Response, encode_page, esc, footer_lines

# (kind, how many, first day, last day): removal kinds are spread over their days in turn.
PLAN: tuple[tuple[str, int, int, int], ...] = (
    ("404", 24, 1, 3),
    ("410", 24, 1, 3),
    ("page", 24, 1, 3),
    ("unlisted", 24, 1, 2),  # delisted on the day, gone the day after
    ("comeback", 24, 1, 1),  # gone from day 1, back on COMEBACK_DAY
    ("transient", 30, 1, 4),
    ("delisted", 12, 1, 3),
)
COMEBACK_DAY = 4
# The first TRS and Hanweb sites, which other tests crawl on days 0 and 1 expecting no fault.
CLEAN_SITES = frozenset({"sim-hb-wjw", "sim-zj-wsjkw"})
# What a transient fault answers, in turn; a 404 lasts two nights every third time.
TRANSIENT = ("http_404", "http_500", "http_404", "http_503", "http_404")

# Soft 404s seen on commission sites: (title, notice).
NOTICES: tuple[tuple[str, str], ...] = (
    ("", "该信息已删除或已过期，请浏览其他信息。"),
    ("提示信息", "对不起，您访问的页面不存在！"),
    ("页面找不到了", "抱歉，找不到您要访问的页面，请检查网址是否正确。"),
    ("信息提示", "该文章已被删除。"),
    ("提示", "您所访问的信息已撤销或不存在。"),
)


def take_down(world: World, rng: random.Random) -> World:
    """The world with PLAN's removals, comebacks, delistings and passing faults applied."""
    blocked = {f.site_id for f in world.faults if f.fault == "blocked_by_waf"} | CLEAN_SITES
    faulted = {(f.site_id, f.path) for f in world.faults if f.path}
    deep = _past_first_page(world)
    pool = [d for d in world.documents if (d.site_id, d.path) in deep and _eligible(world, d, blocked, faulted)]
    rng.shuffle(pool)
    changed: dict[tuple[str, str], Document] = {}
    transient: list[Fault] = []
    for kind, count, first, last in PLAN:
        for n in range(count):
            doc = pool.pop()
            day = first + n % (last - first + 1)
            if kind == "transient":
                transient += _passing_faults(doc, day, n)
                changed[(doc.site_id, doc.path)] = doc
            else:
                changed[(doc.site_id, doc.path)] = _taken_down(doc, kind, day, n)
    documents = tuple(changed.get((d.site_id, d.path), d) for d in world.documents)
    return replace(world, documents=documents, faults=world.faults + tuple(transient))


def _eligible(world: World, doc: Document, blocked: set[str], faulted: set[tuple[str, str]]) -> bool:
    if not doc.is_plan or doc.first_day != 0 or doc.removed or doc.group or len(doc.revisions) > 1 or doc.attachment:
        return False
    if "?" in doc.path:
        return False  # faults and removals are served by path; a page named by its query (show.asp?id=) is not
    site = world.site(doc.site_id)
    return not (doc.site_id in blocked or site.column(doc.column).robots_disallowed or (doc.site_id, doc.path) in faulted)


def _past_first_page(world: World) -> set[tuple[str, str]]:
    """(site, path) of the documents listed on day 0 below their column's first page (with a margin for arrivals)."""
    out = set()
    for site in world.sites:
        for column in site.columns:
            docs = world.documents_on(0, site.id, column.key)
            out |= {(d.site_id, d.path) for d in docs[site.page_size + 2:]}
    return out


def _taken_down(doc: Document, kind: str, day: int, n: int) -> Document:
    hows = ("404", "410", "page")
    if kind in hows:
        return replace(doc, removed=(day, kind))
    if kind == "unlisted":
        return replace(doc, delisted_from=day, removed=(day + 1, ("404", "page")[n % 2]))
    if kind == "comeback":
        return replace(doc, removed=(day, hows[n % 3]), back_on=COMEBACK_DAY)
    return replace(doc, delisted_from=day)  # delisted: served on


def _passing_faults(doc: Document, day: int, n: int) -> list[Fault]:
    fault = TRANSIENT[n % len(TRANSIENT)]
    nights = 2 if fault == "http_404" and n % 3 == 0 else 1
    return [Fault(day + k, doc.site_id, fault, doc.path, "transient") for k in range(nights)]


def removed_response(site: Site, doc: Document) -> Response:
    """What a taken-down document answers: 404, 410 or a 200 notice in one of the site's wordings."""
    from simweb.pages import not_found

    how = doc.removed[1]
    if how == "410":
        return gone_page(site)
    if how == "page":
        return notice_page(site, doc)
    return not_found(site)


def gone_page(site: Site) -> Response:
    """410 Gone, as a CMS answers for what it has withdrawn."""
    page = (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{site.body_encoding}">\n<title>410 Gone</title>\n</head>\n'
            '<body>\n<center><h1>410 Gone</h1></center>\n<p>该信息已撤回。</p>\n<hr><center>nginx</center>\n</body>\n</html>\n')
    return encode_page(site, page, status=410)


def notice_page(site: Site, doc: Document) -> Response:
    """A soft 404: status 200 and a short notice, the wording (and whether the footer comes too) the document's own."""
    pick = int(hashlib.sha256(f"{doc.site_id}{doc.path}".encode()).hexdigest()[:8], 16)
    title, notice = NOTICES[pick % len(NOTICES)]
    footer = "".join(f"<p>{line}</p>" for line in footer_lines(site)) if pick % 2 else ""
    page = (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{site.body_encoding}">\n'
            f'<title>{esc(title or site.name)}</title>\n</head>\n<body>\n<div class="main"><p class="tips">{notice}</p>'
            f'<p><a href="/">返回首页</a></p></div>\n<div class="footer">{footer}</div>\n</body>\n</html>\n')
    return encode_page(site, page)


def removal_truth(world: World) -> list[dict]:
    """One row per document taken down, delisted or faulted in passing, saying what an archive should conclude.

    `removed_day`: the first day its URL answers gone (None if it never does);
    `back_day`: the day it is served again; `delisted_day`: the day it left its
    list while still served; `gone_days`: the days it answers gone.
    """
    passing: dict[tuple[str, str], list[Fault]] = {}
    for fault in world.faults:
        if fault.detail == "transient" or (fault.fault in ("http_404", "http_500", "http_503") and fault.path):
            passing.setdefault((fault.site_id, fault.path), []).append(fault)
    rows = []
    for doc in world.documents:
        faults = passing.get((doc.site_id, doc.path), [])
        if not (doc.removed or doc.delisted_from is not None or faults):
            continue
        rows.append({
            "site_id": doc.site_id, "path": doc.path, "title": doc.title, "is_plan": doc.is_plan,
            "kind": _kind(doc, faults),
            "removed_day": doc.removed[0] if doc.removed else None,
            "how": doc.removed[1] if doc.removed else None,
            "back_day": doc.back_on,
            "delisted_day": doc.delisted_from,
            "gone_days": sorted(f.day for f in faults if f.fault == "http_404"),
            "error_days": sorted(f.day for f in faults if f.fault != "http_404"),
        })
    return rows


def _kind(doc: Document, faults: list[Fault]) -> str:
    if doc.removed and doc.back_on is not None:
        return "comeback"
    if doc.removed and doc.delisted_from is not None:
        return "unlisted"
    if doc.removed:
        return doc.removed[1]
    if doc.delisted_from is not None:
        return "delisted"
    return "transient"


def gone_nights(row: dict, days: list[int]) -> list[int]:
    """The indexes of the crawl days (in order) on which the document answered gone."""
    out = []
    for i, day in enumerate(days):
        removed = row["removed_day"] is not None and day >= row["removed_day"] and (
            row["back_day"] is None or day < row["back_day"])
        if removed or day in row["gone_days"]:
            out.append(i)
    return out


def expected_removal(row: dict, days: list[int], nights: int) -> int | None:
    """The index of the crawl day first found gone, if an archive confirming over `nights` nights must have removed it.

    Gone on `nights` crawls in a row (error nights, which show nothing, neither
    count nor break the run); None when it never is.
    """
    gone = set(gone_nights(row, days))
    streak: list[int] = []
    for i, day in enumerate(days):
        if i in gone:
            streak.append(i)
            if len(streak) >= nights:
                return streak[0]
        elif day not in row["error_days"]:
            streak = []
    return None


def served_again(row: dict, days: list[int]) -> bool:
    """Whether the document is served again by the last crawl day after being taken down."""
    return row["back_day"] is not None and days[-1] >= row["back_day"]
