"""TRS WCM static lists: index.html, index_1.html, … paged by createPageHTML()."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import html as lxml_html
from scrapy import Request
from scrapy.http import Response

from spiders.platforms.base import ListPage, ListParser, entries_from_fragment

# createPageHTML(total, current, "index", "html"): current is 0-based, page k>0 lives at index_k.
_PAGER = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
_COUNT_PAGE = re.compile(r"countPage\s*[=:]\s*(\d+)")


class TrsParser(ListParser):
    """Parse a TRS column page and follow its createPageHTML pager."""

    def parse(self, response: Response) -> ListPage:
        """Entries of the page's list, and the request for the next index_k page."""
        root = lxml_html.fromstring(response.text)
        for junk in root.xpath("//script|//style|//header|//nav|//footer"):
            junk.drop_tree()
        fragment = lxml_html.tostring(root, encoding="unicode")
        page = ListPage(entries=entries_from_fragment(fragment, response.url))
        next_url = self._next_page_url(response)
        if next_url:
            page.next_requests.append(Request(next_url))
        return page

    @staticmethod
    def _next_page_url(response: Response) -> str | None:
        match = _PAGER.search(response.text)
        if match:
            total, current, prefix, ext = int(match[1]), int(match[2]), match[3], match[4]
        else:
            count = _COUNT_PAGE.search(response.text)
            if not count:
                return None
            total, prefix, ext = int(count[1]), "index", response.url.rsplit(".", 1)[-1]
            found = re.search(r"_(\d+)\.\w+$", response.url)
            current = int(found[1]) if found else 0
        if current + 1 >= total:
            return None
        return urljoin(response.url, f"{prefix}_{current + 1}.{ext}")
