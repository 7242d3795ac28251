"""Lists a script loads: the column page is a shell, its script fetches the entries as JSON, JSONP or XML.

Discovery reads the page's inline scripts for the data URL they request;
where a site builds that URL in ways no reading can follow, the registry row
names it (`list_data`: the endpoint with `{page}` and the field paths), so the
site stays a row of data. Either way the reply is read here, generically:
the array of objects that carry a title and a link is the list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from lxml import etree
from scrapy.http import Response

from spiders.platforms.base import ListEntry, ListPage, iso_date
from spiders.platforms.pagers import PAGE_KEY, follow, with_page

_CHINA = timezone(timedelta(hours=8))
# URL literals in a script that name list data: an endpoint (.json, .jsp, .do …), an /api/ path, or a JSONP callback.
_DATA_URL = re.compile(
    r"""["']((?:https?://[^"'\s]+|\.{0,2}/[^"'\s]*)(?:\.(?:json|jsonp|jsp|do|action|php|aspx|ashx|xml)\b[^"'\s]*"""
    r"""|/api/[^"'\s]*|[?&]callback=[^"'\s]*))["']""", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_JSONP = re.compile(r"^\s*[\w$.]+\s*\(\s*(.*?)\s*\)\s*;?\s*$", re.DOTALL)
_NOT_DATA = re.compile(r"\.(?:js|css|png|jpe?g|gif|ico|svg|woff2?)(?:\?|$)|/search|login|count|visit|stat", re.IGNORECASE)
_TITLE_KEYS = ("title", "doctitle", "docTitle", "name", "subject", "bt", "wjbt", "articleTitle", "fileName")
_LINK_KEYS = ("url", "link", "href", "docpuburl", "docPubUrl", "path", "pageUrl", "detailUrl", "linkUrl")
_DATE_KEYS = ("date", "pubDate", "publishDate", "publish_time", "publishTime", "docreltime", "time", "fbrq",
              "created", "createTime", "create_time", "releaseDate", "writeTime")
_TOTAL_KEYS = ("total", "count", "totalCount", "recordCount", "totalRecord", "totalRecords", "totalElements")
_PAGES_KEYS = ("totalPage", "totalPages", "pageCount", "pages", "pageTotal")
MAX_DISCOVERED = 3  # data URLs tried per shell page: beyond that the script is an app, not a list


def data_urls(response: Response) -> list[str]:
    """The same-host data URLs a shell page's inline scripts request, page 1 first."""
    host = urlsplit(response.url).netloc
    urls: list[str] = []
    for script in _SCRIPT.findall(response.text):
        for literal in _DATA_URL.findall(script):
            url = urljoin(response.url, literal.replace("callback=?", "callback=wjwList"))
            if urlsplit(url).netloc == host and not _NOT_DATA.search(url) and url not in urls:
                urls.append(url)
    return urls[:MAX_DISCOVERED]


def discovery_requests(response: Response) -> list:
    """Requests for the data a shell page's scripts load, read by `parse_data`."""
    return [follow(response, url, meta={"wjw_list_data": {}}) for url in data_urls(response)]


def first_request_url(spec: dict[str, Any]) -> str:
    """The data URL of a column's first page, from its registry `list_data`."""
    return spec["url"].replace("{page}", str(spec.get("first_page", 1)))


def parse_data(response: Response, spec: dict[str, Any]) -> ListPage:
    """Entries of one data reply and the request for the next page.

    `spec` is the registry's `list_data` (`entries`, `title`, `link`, `date`
    field paths, `url` with `{page}`), or empty for a discovered URL: then
    the fields are found by their names and values.
    """
    data = read_reply(response.text)
    items = _dig(data, spec["entries"]) if spec.get("entries") else _best_array(data)
    page = ListPage(entries=[e for e in (_entry(item, spec, response.url) for item in items or []) if e])
    nxt = _next_url(response, spec, data, len(page.entries))
    if nxt:
        size = max(len(page.entries), int(response.meta.get("wjw_data_size", 0)) if response.request is not None else 0)
        page.next_requests.append(follow(response, nxt, meta={"wjw_list_data": spec, "wjw_data_size": size,
                                                              "wjw_data_page": _page_of(response) + 1}))
    return page


def read_reply(text: str) -> Any:
    """A data reply as Python data: JSON, JSONP (`callback({…})`) or XML (as nested dicts)."""
    body = text.strip().lstrip("\ufeff")
    if body.startswith("<"):
        return _xml_data(etree.fromstring(body.encode("utf-8"), etree.XMLParser(recover=True, resolve_entities=False)))
    wrapped = _JSONP.match(body)
    if wrapped and not body.startswith(("{", "[")):
        body = wrapped[1]
    return json.loads(body)


def _xml_data(node) -> Any:
    children = list(node)
    if not children:
        return (node.text or "").strip()
    if len({c.tag for c in children}) == 1 and len(children) > 1:
        return [_xml_data(c) for c in children]
    return {c.tag: _xml_data(c) for c in children}


def _dig(data: Any, path: str) -> Any:
    for step in path.split("."):
        data = data.get(step) if isinstance(data, dict) else None
    return data


def _arrays(data: Any) -> Iterator[list]:
    if isinstance(data, list):
        yield data
        for item in data:
            yield from _arrays(item)
    elif isinstance(data, dict):
        for value in data.values():
            yield from _arrays(value)


def _best_array(data: Any) -> list:
    """The array with the most objects that carry a title and a link: the list, not a menu or a tag cloud."""
    best: list = []
    for array in _arrays(data):
        good = [item for item in array if isinstance(item, dict) and _title(item) and _link(item)]
        if len(good) > len(best):
            best = good
    return best


def _entry(item: Any, spec: dict[str, Any], base: str) -> ListEntry | None:
    if not isinstance(item, dict):
        return None
    title = _field(item, spec.get("title")) if spec.get("title") else _title(item)
    link = _field(item, spec.get("link")) if spec.get("link") else _link(item)
    if not title or not link:
        return None
    raw = _field(item, spec.get("date")) if spec.get("date") else _date_value(item)
    return ListEntry(url=urljoin(base, str(link).strip()), title=re.sub(r"\s+", " ", str(title)).strip(),
                     date=_as_date(raw))


def _field(item: dict, path: str) -> Any:
    """A field by its dot path, or a template of fields (`/content/{id}.html`)."""
    if "{" in path:
        try:
            return path.format(**item)
        except (KeyError, IndexError, ValueError):
            return None
    return _dig(item, path)


def _title(item: dict) -> str | None:
    named = next((item[k] for k in _TITLE_KEYS if isinstance(item.get(k), str) and item[k].strip()), None)
    if named:
        return named
    texts = [v for v in item.values() if isinstance(v, str) and re.search(r"[\u4e00-\u9fff]{4}", v) and not _looks_like_url(v)]
    return max(texts, key=len) if texts else None


def _link(item: dict) -> str | None:
    named = next((item[k] for k in _LINK_KEYS if isinstance(item.get(k), str) and item[k].strip()), None)
    return named or next((v for v in item.values() if isinstance(v, str) and _looks_like_url(v)), None)


def _looks_like_url(value: str) -> bool:
    return bool(re.match(r"^(?:https?://|/|\./|\.\./)\S+$", value.strip()))


def _date_value(item: dict) -> Any:
    named = next((item[k] for k in _DATE_KEYS if item.get(k) not in (None, "")), None)
    return named if named is not None else next((v for v in item.values() if isinstance(v, str) and iso_date(v)), None)


def _as_date(value: Any) -> str | None:
    """A date from a reply's field: text (2024-03-15, 2024年3月15日) or an epoch in seconds or milliseconds."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit() and len(value) in (10, 13)):
        stamp = float(value)
        stamp = stamp / 1000 if stamp > 1e11 else stamp
        if 9e8 < stamp < 4e9:
            return datetime.fromtimestamp(stamp, _CHINA).date().isoformat()
        return None
    return iso_date(str(value)) if value else None


def _page_of(response: Response) -> int:
    if response.request is not None and response.meta.get("wjw_data_page"):
        return int(response.meta["wjw_data_page"])
    query = parse_qsl(urlsplit(response.url).query)
    return next((int(v) for k, v in query if PAGE_KEY.match(k) and v.isdigit()), 1)


def _next_url(response: Response, spec: dict[str, Any], data: Any, on_page: int) -> str | None:
    """The data URL of the next page, while this one had entries and the reply's counts allow more."""
    if not on_page:
        return None
    number = _page_of(response)
    size = max(on_page, int(response.meta.get("wjw_data_size", 0)) if response.request is not None else 0)
    pages, total = _counts(data)
    if pages is not None and number >= pages:
        return None
    # A count equal to this page's entries may be the page's own count, not the total: ask once more.
    if total is not None and total > on_page and number * size >= total:
        return None
    if spec.get("url"):
        return spec["url"].replace("{page}", str(number + 1))
    bumped = with_page(response.url, number + 1)
    if bumped:
        return bumped
    parts = urlsplit(response.url)
    numbered = re.search(r"([_/-])(\d+)(\.\w+)$", parts.path)
    if numbered and int(numbered[2]) == number:
        return urlunsplit(parts._replace(path=parts.path[:numbered.start()] + f"{numbered[1]}{number + 1}{numbered[3]}"))
    return None


def _counts(data: Any) -> tuple[int | None, int | None]:
    """The page count and record count a reply states, at its top or one level down ({data: {total, list}})."""
    levels = [data] + ([v for v in data.values() if isinstance(v, dict)] if isinstance(data, dict) else [])
    pages = total = None
    for level in (x for x in levels if isinstance(x, dict)):
        pages = pages if pages is not None else next(
            (int(level[k]) for k in _PAGES_KEYS if str(level.get(k, "")).isdigit()), None)
        total = total if total is not None else next(
            (int(level[k]) for k in _TOTAL_KEYS if str(level.get(k, "")).isdigit()), None)
    return pages, total
