"""Hanweb (大汉) lists: records in a <datastore> script, later pages from dataproxy.jsp."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from scrapy import Request
from scrapy.http import Response

from spiders.platforms.base import (
    Body,
    Family,
    ListPage,
    ListParser,
    entries_from_fragment,
)

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.S)
_TOTAL_PAGE = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>")
_TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")


class HanwebParser(ListParser):
    """Parse a Hanweb column page or dataproxy reply and page through dataproxy.jsp by GET."""

    def parse(self, response: Response) -> ListPage:
        """Entries of the records, and the request for the next dataproxy page."""
        text = response.text
        fragment = "".join(_RECORD.findall(text))
        page = ListPage(entries=entries_from_fragment(fragment, response.url))
        proxy_url = response.meta.get("wjw_dataproxy") or self._dataproxy_url(text, response.url)
        if proxy_url and page.entries:
            current = int(response.meta.get("wjw_page", 1))
            total = self._total_pages(text, len(page.entries), response.meta.get("wjw_per_page"))
            if total is None or current < total:
                next_url = _with_page(proxy_url, current + 1)
                meta = {"wjw_dataproxy": proxy_url, "wjw_page": current + 1,
                        "wjw_per_page": response.meta.get("wjw_per_page") or len(page.entries)}
                page.next_requests.append(Request(next_url, meta=meta))
        return page

    @staticmethod
    def _dataproxy_url(text: str, base_url: str) -> str | None:
        match = _NEXTGROUP.search(text)
        return urljoin(base_url, match[1].replace("&amp;", "&")) if match else None

    @staticmethod
    def _total_pages(text: str, on_page: int, per_page: int | None) -> int | None:
        pages = _TOTAL_PAGE.search(text)
        if pages:
            return int(pages[1])
        records = _TOTAL_RECORD.search(text)
        if records and (per_page or on_page):
            size = per_page or on_page
            return -(-int(records[1]) // size)
        return None


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    query["page"] = [str(page)]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


FAMILY = Family(
    name="hanweb", parser=HanwebParser,
    detail_urls=(r"/art_\d+_\d+\.html$",),
    # Hanweb pages bracket the article with these comments for their RSS export.
    bodies=(Body("hanweb:ZJEG_RSS", between=(r"<!--\s*ZJEG_RSS\.content\.begin\s*-->",
                                             r"<!--\s*ZJEG_RSS\.content\.end\s*-->")),),
)
