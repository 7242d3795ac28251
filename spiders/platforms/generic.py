"""Lists on sites the project has no rules for: the densest list of links, however the site pages and frames it."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.http import Response

from spiders.platforms import pagers, scripted
from spiders.platforms.base import (
    Family,
    ListEntry,
    ListPage,
    ListParser,
    entries_from_items,
    list_tree,
)

# An undated link is taken for a document only with a title this long: menus (首页, 政务公开) and pagers are shorter.
MIN_UNDATED_TITLE = 8


class GenericParser(ListParser):
    """Take the list with the most dated items (or, undated, the densest run of links) and find the next page.

    The next page may be a 下一页 link, a `?page=N+1` link, a form the pager
    submits, a frame that holds the list, or data the page's script loads.
    """

    def parse(self, response: Response) -> ListPage:
        """Entries of the page's main list and the requests for what follows it."""
        root = list_tree(response)
        page = ListPage(entries=densest_list(root, response.url))
        if not page.entries:
            page.next_requests += frame_requests(root, response) or scripted.discovery_requests(response)
            return page
        next_url = pagers.next_link(root, response)
        if next_url:
            page.next_requests.append(pagers.follow(response, next_url))
        else:
            form = pagers.form_request(root, response)
            if form is not None:
                page.next_requests.append(form)
        return page


def densest_list(root, url: str) -> list[ListEntry]:
    """The dated items of the list with the most of them; failing any, the densest run of undated links.

    Sidebars (热点, 友情链接) are other parents with fewer items. A list
    with no dates at all (a framed 文件 list) is the parent with the most
    same-host links of document-length titles; their dates come from the
    detail pages.
    """
    best: list[ListEntry] = []
    for container in root.xpath("//ul|//ol|//table|//tbody"):
        entries = entries_from_items(container.xpath("./li|./tr"))
        if len(entries) > len(best):
            best = entries
    return best or _undated_run(root, url)


def _undated_run(root, url: str) -> list[ListEntry]:
    host = urlsplit(url).netloc
    best: list[ListEntry] = []
    for container in root.xpath("//ul|//ol|//table|//tbody|//div"):
        entries, seen = [], set()
        for item in container.xpath("./li|./tr|./a|./p"):
            links = [item] if item.tag == "a" else list(item.iter("a"))
            for link in links:
                href = (link.get("href") or "").split("#", 1)[0]
                title = " ".join((link.get("title") or link.text_content()).split())
                if (href and urlsplit(href).netloc == host and href not in seen
                        and len(title.replace(" ", "")) >= MIN_UNDATED_TITLE):
                    seen.add(href)
                    entries.append(ListEntry(url=href, title=title, date=None))
        if len(entries) > len(best):
            best = entries
    return best


def frame_requests(root, response: Response) -> list:
    """Requests for the same-host frames of a page with no list of its own: the list lives in one of them."""
    host = urlsplit(response.url).netloc
    urls = []
    for frame in root.iter("iframe", "frame"):
        src = (frame.get("src") or "").strip()
        if src and urlsplit(src).scheme in ("http", "https") and urlsplit(src).netloc == host and src not in urls:
            urls.append(src)
    return [pagers.follow(response, url) for url in urls]



# Portals of no known family; the national ones file documents as /YYYYMM/<32 hex>.shtml.
# Their bodies sit in containers several portals share (archive/extract/html.py, PORTAL_CONTAINERS).
FAMILY = Family(
    name="generic", parser=GenericParser,
    detail_urls=(r"/\d{6}/[0-9a-f]{32}\.s?html$",),
)
