"""Zhejiang's jpaas publishing platform (2025–): the list comes as HTML inside JSON."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote, urlencode, urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response

from spiders.platforms.base import Family, ListPage, ListParser, entries_from_fragment

_UNIT = re.compile(r"jpaasUnit\s*=\s*(\{.*?\})\s*;", re.S)
_API = "/api-gateway/jpaas-publish-server/front/page/build/unit"


class JpaasParser(ListParser):
    """Read the column page's unit parameters, then page through the build/unit API."""

    def parse(self, response: Response) -> ListPage:
        """Entries of an API reply; for the column page, the request for the API's first page."""
        if _API in response.url:
            return self._parse_api(response)
        unit = _UNIT.search(response.text)
        page = ListPage()
        if unit:
            params = json.loads(unit[1])
            page.next_requests.append(Request(api_url(response.url, params, 1), meta={"wjw_jpaas": params}))
        return page

    def _parse_api(self, response: Response) -> ListPage:
        data = json.loads(response.text).get("data") or {}
        page = ListPage(entries=entries_from_fragment(data.get("html", ""), response.url))
        params = response.meta.get("wjw_jpaas") or {}
        query = parse_qs(urlsplit(response.url).query)
        paging = json.loads(query.get("paramJson", ['{"pageNo": 1}'])[0])
        number, size = int(paging.get("pageNo", 1)), int(paging.get("pageSize") or params.get("pageSize") or 15)
        total = int(data.get("total") or 0)
        if page.entries and number * size < total:
            page.next_requests.append(Request(api_url(response.url, params or _params_from(query), number + 1),
                                              meta={"wjw_jpaas": params}))
        return page


def api_url(base: str, params: dict, page_no: int) -> str:
    """The build/unit API URL for one page of a column."""
    size = int(params.get("pageSize", 15))
    query = {
        "webId": params["webId"], "pageId": params["pageId"], "parseType": "bulidstatic", "pageType": "column",
        "tagId": "当前栏目list", "tplSetId": params.get("tplSetId", ""),
        "paramJson": json.dumps({"pageNo": page_no, "pageSize": size}, separators=(",", ":")),
    }
    return urljoin(base, _API + "?" + urlencode(query, quote_via=quote))


def _params_from(query: dict) -> dict:
    paging = json.loads(query.get("paramJson", ["{}"])[0])
    return {"webId": query["webId"][0], "pageId": query["pageId"][0], "tplSetId": query.get("tplSetId", [""])[0],
            "pageSize": paging.get("pageSize", 15)}


FAMILY = Family(
    name="jpaas", parser=JpaasParser,
    detail_urls=(r"/art_[0-9a-f]{16,}\.html$",),
)
