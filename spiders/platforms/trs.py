"""TRS WCM static lists: index.html, index_1.html, … paged by createPageHTML()."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import html as lxml_html
from scrapy import Request
from scrapy.http import Response

from spiders.platforms.base import ListPage, ListParser, entries_from_fragment

# createPageHTML(total, current, "index", "html"). Sites disagree on whether
# `current` counts from 0 or 1 (Guangdong's index_k vs Henan's index_{k-1}
# readings), so the next page is found from this page's own file number.
_PAGER = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
_COUNT_PAGE = re.compile(r"countPage\s*[=:]\s*(\d+)")
_FILE_NUMBER = re.compile(r"/(\w+?)(?:_(\d+))?\.(s?html?)$")


class TrsParser(ListParser):
    """Parse a TRS column page and follow its createPageHTML pager."""

    def parse(self, response: Response) -> ListPage:
        """Entries of the page's list, and the request for the next index_k page."""
        root = lxml_html.fromstring(response.text)
        for junk in root.xpath("//script|//style|//header|//nav|//footer"):
            junk.drop_tree()
        fragment = lxml_html.tostring(root, encoding="unicode")
        page = ListPage(entries=entries_from_fragment(fragment, response.url))
        next_url = next_page_url(response.url, response.text)
        if next_url:
            page.next_requests.append(Request(next_url))
        return page


def next_page_url(url: str, text: str) -> str | None:
    """The URL of the list page after this one, or None on the last page."""
    pager = _PAGER.search(text)
    count = _COUNT_PAGE.search(text)
    if pager:
        total, prefix, ext = int(pager[1]), pager[3], pager[4]
    elif count:
        total, prefix, ext = int(count[1]), "index", None
    else:
        return None
    own = _FILE_NUMBER.search(url.split("?", 1)[0])
    number = int(own[2]) if own and own[2] else 0
    ext = ext or (own[3] if own else "html")
    if number + 1 >= total:
        return None
    return urljoin(url, f"{prefix}_{number + 1}.{ext}")
