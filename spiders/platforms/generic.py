"""Lists on sites the project has no rules for: dated links in the densest list, and a 下一页 link."""

from __future__ import annotations

import re

from scrapy import Request
from scrapy.http import Response

from spiders.platforms.base import ListPage, ListParser, entries_from_items, list_tree

_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后页|next|>)\s*$", re.I)


class GenericParser(ListParser):
    """Take the dated items of the list with the most of them, and follow the next-page link."""

    def parse(self, response: Response) -> ListPage:
        """Entries of the page's main list and the request for the page after it."""
        root = list_tree(response)
        best: list = []
        # The list of documents is the parent whose own items carry the most
        # dated links; sidebars (热点, 友情链接) are other parents with fewer.
        for container in root.xpath("//ul|//ol|//table|//tbody"):
            entries = entries_from_items(container.xpath("./li|./tr"))
            if len(entries) > len(best):
                best = entries
        page = ListPage(entries=best)
        next_url = self._next_link(root, response)
        if next_url and next_url != response.url:
            page.next_requests.append(Request(next_url))
        return page

    @staticmethod
    def _next_link(root, response: Response) -> str | None:
        for link in root.iter("a"):
            href = link.get("href") or ""
            label = link.text_content()
            if href and not href.startswith("javascript") and (
                _NEXT_TEXT.match(label) or "next" in (link.get("class") or "").lower().split()
            ):
                return href
        return None


class VsbParser(GenericParser):
    """VSB (博达) lists: tzgg.htm, then tzgg/N-1.htm … tzgg/1.htm, linked by 下页."""
