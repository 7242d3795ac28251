"""What every list parser returns, and the helpers they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from lxml import html as lxml_html
from lxml.html import HtmlElement
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


@dataclass(frozen=True)
class Body:
    """Where a family's detail pages keep the article: an element the XPath finds, or the text between two comments."""

    name: str  # what the extractor records as the document's text method ("div.TRS_Editor", "hanweb:ZJEG_RSS")
    xpath: str | None = None
    between: tuple[str, str] | None = None  # regexes of the opening and closing comment

    def to_dict(self) -> dict:
        """The plain data the extractor reads (archive/families.json)."""
        return {"name": self.name, "xpath": self.xpath, "between": list(self.between) if self.between else None}


@dataclass(frozen=True)
class Family:
    """Everything the project knows of one CMS family, declared once in its module.

    `detail_urls` are regexes of its detail pages' paths (an undated list link of
    that shape is still a document); `bodies` the containers its articles sit in.
    """

    name: str
    parser: type[ListParser]
    detail_urls: tuple[str, ...] = ()
    bodies: tuple[Body, ...] = ()

    def to_dict(self) -> dict:
        """What the archive side reads of the family (it never imports the spiders)."""
        return {"name": self.name, "bodies": [body.to_dict() for body in self.bodies]}


def class_xpath(class_name: str) -> str:
    """The XPath of a div carrying `class_name` among its classes."""
    return f"//div[contains(concat(' ', normalize-space(@class), ' '), ' {class_name} ')]"


def iso_date(text: str) -> str | None:
    """The first date in `text`, as YYYY-MM-DD."""
    match = _DATE.search(text or "")
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def list_tree(response: Response) -> HtmlElement:
    """A list page's tree without scripts, styles and the site's header, nav and footer; links absolute."""
    root = lxml_html.fromstring(response.text)
    for junk in root.xpath("//script|//style|//header|//nav|//footer"):
        junk.drop_tree()
    root.make_links_absolute(response.url, resolve_base_href=False)
    return root


def entries_from_fragment(fragment: str, base_url: str) -> list[ListEntry]:
    """Entries from an HTML fragment of `<li>`s or rows: each link with its title and the date beside it."""
    if not fragment.strip():
        return []
    root = lxml_html.fromstring(f"<div>{fragment}</div>")
    root.make_links_absolute(base_url, resolve_base_href=False)
    return entries_from_items(root.iter("li", "tr"))


def entries_from_items(items: Iterable[HtmlElement]) -> list[ListEntry]:
    """Entries from list items (links already absolute).

    An item counts only when it carries a date or its link has a detail-page
    shape, so navigation menus and calendars are not taken for documents.
    """
    entries: list[ListEntry] = []
    seen: set[str] = set()
    for item in items:
        if item.find(".//li") is not None or item.find(".//tr") is not None:
            continue  # a menu or layout table holding items: read the items themselves
        links = [a for a in item.iter("a") if a.get("href") and not a.get("href").startswith("javascript")]
        if not links:
            continue
        link = max(links, key=lambda a: len(a.text_content().strip()))
        url = link.get("href").split("#", 1)[0]
        title = (link.get("title") or link.text_content()).strip()
        if not title or url in seen:
            continue
        date = iso_date(item.text_content())
        if date is None and not _detail_url().search(url.split("?", 1)[0]):
            continue
        seen.add(url)
        entries.append(ListEntry(url=url, title=re.sub(r"\s+", " ", title), date=date))
    return entries


def _detail_url() -> re.Pattern:
    # The family modules import this one, so their union of detail shapes is read when a list is parsed.
    from spiders.platforms import DETAIL_URL

    return DETAIL_URL
