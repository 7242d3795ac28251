"""Guangdong's gkmlpt (政府信息公开目录平台): a JSON list API with epoch dates, detail pages at post_<id>.html."""

from __future__ import annotations

import json
import re
from datetime import timedelta, timezone

from simweb import plain
from simweb.model import Column, Document, Site, World
from simweb.pages import Response, encode_page, esc
from simweb.walk import SiteWalk, get_text

# The family's two columns on a simulated site: (key, name, section, unit id); {a}, {b} are the site's column ids.
COLUMNS = (("{a}", "通知公告", "政府信息公开", 0), ("{b}", "规划计划", "政府信息公开", 0))
# Who the footer names as the site's technical supporter (技术支持), one per site.
TECH = ("数字广东网络建设有限公司", "{region}政务服务数据管理局")

API = re.compile(r"^/gkmlpt/api/all/(?P<cat>\d+)$")
PAGE_SIZE = 20
CHINA_TIME = timezone(timedelta(hours=8))


def column_path(column: Column) -> str:
    """The API path of the category, as robots.txt names it."""
    return f"/gkmlpt/api/all/{column.key}"


def list_url(column: Column, page: int = 0, site: Site | None = None) -> str:
    """The registry's column URL is the API itself."""
    return f"/gkmlpt/api/all/{column.key}?page={page + 1}&sid={site.web_id if site else 0}"


def doc_path(site: Site, column: Column, doc_id: int, published) -> str:
    """/gkmlpt/content/<a>/<b>/post_<id>.html"""
    return f"/gkmlpt/content/{doc_id // 1000000}/{doc_id // 1000}/post_{doc_id}.html"


def attachment_target(site: Site, doc_id: int, ext: str) -> str:
    """Guangzhou-style attachment paths."""
    return f"/attachment/0/{doc_id % 1000}/{doc_id}/{doc_id * 7 % 10000000}.{ext}"


def _article(site: Site, doc: Document, host: str) -> dict:
    return {
        "id": doc.doc_id,
        "title": doc.title,
        "url": f"http://{host}{doc.path}",
        "create_time": int(doc.published.replace(tzinfo=CHINA_TIME).timestamp()),
        "identifier": doc.index_number or "",
        "document_number": doc.doc_number or "",
        "publisher": doc.agency,
    }


def api_page(world: World, site: Site, day: int, cat: str, params: dict[str, str], host: str) -> Response | None:
    """One page of a category: {total, articles, page_size}."""
    column = next((c for c in site.columns if c.key == cat), None)
    page = params.get("page", "1")
    if column is None or params.get("sid", str(site.web_id)) != str(site.web_id) or not page.isdigit() or int(page) < 1:
        return None
    docs = world.documents_on(day, site.id, column.key)
    chunk = docs[(int(page) - 1) * PAGE_SIZE:int(page) * PAGE_SIZE]
    body = {"total": len(docs), "articles": [_article(site, doc, host) for doc in chunk], "page_size": PAGE_SIZE}
    return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json;charset=utf-8")


def home_page(world: World, site: Site) -> Response:
    """The front page: a 政府信息公开 entry."""
    links = "".join(f'<li><a href="/gkmlpt/index#{c.key}">{esc(c.name)}</a></li>' for c in site.columns)
    return encode_page(site, plain.head(site, site.name) + plain.header(site) + f"<ul>{links}</ul>\n" + plain.footer(site))


metadata_shown = plain.metadata_shown  # detail pages are plain.detail_page, with its table


def route(world: World, site: Site, day: int, method: str, path: str, params: dict[str, str], host: str = "") -> Response | None:
    """Answer a request for a gkmlpt path, or None if nothing lives there."""
    if method != "GET":
        return None
    if path in ("/", "/index.html", "/gkmlpt/index"):
        return home_page(world, site)
    match = API.match(path)
    if match:
        return api_page(world, site, day, match["cat"], params, host)
    doc = world.document_at(site.id, path)
    if doc is not None and doc.exists_on(day):
        info = (f"发布日期：{doc.published:%Y-%m-%d}　来源：{esc(doc.agency)}　浏览次数：{doc.views}　"
                '【字体：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a>】')
        return plain.detail_page(world, site, doc, day, "/gkmlpt/index", info)
    return None


# ---------------------------------------------------------------- the walk (wjw simweb check)


def walk_list(site: Site, column: dict, walk: SiteWalk) -> list[str]:
    """The reference reading of a gkmlpt list: the JSON API's pages until its total."""
    url = column["url"]
    found: list[str] = []
    page = 1
    while True:
        body = get_text(url.replace("page=1&", f"page={page}&"), "utf-8", walk)
        if body is None:
            break
        data = json.loads(body)
        found += [article["url"] for article in data["articles"]]
        if not data["articles"] or len(found) >= data["total"]:
            break
        page += 1
    return found
