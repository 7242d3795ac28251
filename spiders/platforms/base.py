"""What every list parser returns, and the helpers they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import html as lxml_html
from scrapy import Request
from scrapy.http import Response

# Dates as list pages print them: 2021-03-15, 2021/03/15, 2021.03.15, 2021年3月15日, [ 2021-03-15 ].
_DATE = re.compile(r"(20\d{2}|19\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass(frozen=True)
class ListEntry:
    """One document link on a list page."""

    url: str
    title: str
    date: str | None


@dataclass
class ListPage:
    """The entries of one list page and the requests for the pages after it."""

    entries: list[ListEntry] = field(default_factory=list)
    next_requests: list[Request] = field(default_factory=list)


class ListParser:
    """Base of the per-CMS list parsers."""

    def parse(self, response: Response) -> ListPage:
        """Read the entries and find the next list page."""
        raise NotImplementedError


def iso_date(text: str) -> str | None:
    """The first date in `text`, as YYYY-MM-DD."""
    match = _DATE.search(text or "")
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def entries_from_fragment(fragment: str, base_url: str) -> list[ListEntry]:
    """Entries from an HTML fragment of `<li>`s: each link with its title and the date beside it."""
    if not fragment.strip():
        return []
    root = lxml_html.fromstring(f"<div>{fragment}</div>")
    root.make_links_absolute(base_url, resolve_base_href=False)
    entries: list[ListEntry] = []
    seen: set[str] = set()
    for item in root.iter("li", "tr"):
        links = [a for a in item.iter("a") if a.get("href") and not a.get("href").startswith("javascript")]
        if not links:
            continue
        link = max(links, key=lambda a: len(a.text_content().strip()))
        url = link.get("href").split("#", 1)[0]
        title = (link.get("title") or link.text_content()).strip()
        if not title or url in seen:
            continue
        seen.add(url)
        entries.append(ListEntry(url=url, title=re.sub(r"\s+", " ", title), date=iso_date(item.text_content())))
    return entries
