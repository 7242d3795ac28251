"""How list pages say where the next page is: a link, a `?page=` query, a form to submit, a script call.

Every family's parser may call these; each returns the request for the page
after this one, or None when the page says it is the last or says nothing.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement
from scrapy import FormRequest, Request
from scrapy.http import Response

# Labels of a next-page control: 下一页, 下页, 后页, next, >, », ›, with the arrows some sites add.
NEXT_LABEL = re.compile(r"^\s*(?:下一页|下页|后一页|后页|next(?:\s*page)?|[>›»])\s*[>›»]*\s*$", re.IGNORECASE)
# Query keys that number a list page (?page=2, ?pageNo=2, ?pageIndex=2, ?curPage=2 …).
PAGE_KEY = re.compile(r"^(?:page|pageno|pagenum|pagenumber|pageindex|page_no|curpage|currentpage|cpage|pn|p)$", re.IGNORECASE)
# A page count the page prints or sets: 共5页, totalPage = 5, pageCount: 5, countPage = 5.
_TOTAL_PAGES = re.compile(
    r"共\s*(\d+)\s*页|(?:totalPages?|pageCount|countPage|pageTotal|totalpage)[\"']?\s*[=:]\s*[\"']?(\d+)", re.IGNORECASE)
# A URL quoted inside a javascript: link or an onclick (location.href='list_2.html').
_QUOTED_URL = re.compile(r"[\"']([^\"'\s]+\.(?:s?html?|jsp|do|aspx?|php)(?:\?[^\"'\s]*)?)[\"']", re.IGNORECASE)


def follow(response: Response, url: str, **kwargs) -> Request:
    """A request for a URL found on `response`, its query in the page's encoding (a GBK site reads GBK)."""
    return Request(url, encoding=getattr(response, "encoding", None) or "utf-8", **kwargs)


def with_page(url: str, number: int) -> str | None:
    """The URL with its page-number query value set to `number`, other bytes untouched; None without one."""
    parts = urlsplit(url)
    pairs = parts.query.split("&")
    keyed = [i for i, pair in enumerate(pairs) if PAGE_KEY.match(pair.partition("=")[0])]
    if not keyed:
        return None
    pairs[keyed[0]] = f"{pairs[keyed[0]].partition('=')[0]}={number}"
    return urlunsplit(parts._replace(query="&".join(pairs)))


def total_pages(text: str) -> int | None:
    """The page count a list page prints or its script sets, if any."""
    match = _TOTAL_PAGES.search(text)
    return int(match[1] or match[2]) if match else None


def next_link(root: HtmlElement, response: Response) -> str | None:
    """The URL of a next-page link (下一页 …, a `class="next"`, or a `?page=N+1` link), or None."""
    for link in root.iter("a"):
        if not (NEXT_LABEL.match(link.text_content()) or "next" in (link.get("class") or "").lower().split()):
            continue
        href = (link.get("href") or "").strip()
        if href and not href.lower().startswith("javascript") and href != "#":
            url = urljoin(response.url, href)
        else:  # javascript:goto('list_2.html') or onclick="location.href='list_2.html'"
            quoted = _QUOTED_URL.search(href + " " + (link.get("onclick") or ""))
            url = urljoin(response.url, quoted[1]) if quoted else None
        if url and url.split("#")[0] != response.url:
            return url
    return _numbered_link(root, response)


def _numbered_link(root: HtmlElement, response: Response) -> str | None:
    """A `?page=N+1` link beside this `?page=N` page (a numbered pager with no 下一页)."""
    parts = urlsplit(response.url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    keys = [k for k, _ in query if PAGE_KEY.match(k)]
    current = next((int(v) for k, v in query if PAGE_KEY.match(k) and v.isdigit()), 1)
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if href.lower().startswith("javascript") or link.text_content().strip() != str(current + 1):
            continue
        target = urlsplit(urljoin(response.url, href))
        if (target.netloc, target.path) != (parts.netloc, parts.path):
            continue
        values = dict(parse_qsl(target.query, keep_blank_values=True))
        if any(values.get(k) == str(current + 1) for k in keys or [k for k in values if PAGE_KEY.match(k)]):
            return urlunsplit(target._replace(fragment=""))
    return None


def form_request(root: HtmlElement, response: Response) -> Request | None:
    """The next page of a pager that only submits a form (`form#pageForm`, `javascript:goPage(2)` links).

    The form holds a page-number field; the next page is the form submitted
    with that field one higher, until the page count the page prints.
    """
    text = response.text
    for form in root.iter("form"):
        fields = {i.get("name"): i.get("value") or "" for i in form.iter("input")
                  if i.get("name") and (i.get("type") or "text").lower() not in ("submit", "button", "image", "reset")}
        page_field = next((name for name in fields if PAGE_KEY.match(name)), None)
        if page_field is None:
            continue
        shown = int(fields[page_field]) if fields[page_field].isdigit() else 1
        asked = response.meta.get("wjw_form_page", 1) if response.request is not None else 1
        current = max(shown, int(asked))
        total = total_pages(text)
        if (total is not None and current >= total) or (total is None and not _next_control(root)):
            return None
        method = (form.get("method") or "post").upper()
        action = urljoin(response.url, form.get("action") or response.url)
        return FormRequest(action, method=method, formdata={**fields, page_field: str(current + 1)},
                           encoding=getattr(response, "encoding", None) or "utf-8",
                           meta={"wjw_form_page": current + 1})
    return None


def _next_control(root: HtmlElement) -> bool:
    """True when the page shows a next-page control of any kind (a javascript: link or a button too)."""
    return any(NEXT_LABEL.match(e.text_content() or e.get("value") or "") for e in root.iter("a", "button", "input"))
