"""Zhejiang's jpaas publishing platform (2025): column pages are empty shells; lists come as JSON `data.html` fragments."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urljoin

from simweb import plain
from simweb.model import Column, Document, Site, World
from simweb.pages import Response, encode_page, esc
from simweb.walk import HREF, SiteWalk, first_list_text, get_text

# The family's two columns on a simulated site: (key, name, section, unit id); {a}, {b} are the site's column ids.
COLUMNS = (("{a}", "通知公告", "政务公开", 0), ("{b}", "规划计划", "政府信息公开", 0))
# Who the footer names as the site's technical supporter (技术支持), one per site.
TECH = ("浙江省大数据发展中心", "{region}数据资源管理局")

API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
COLUMN_PAGE = re.compile(r"^/col/col(?P<column>\d+)/index\.html$")
PAGE_SIZE = 15


def column_path(column: Column) -> str:
    """The column's directory, as robots.txt names it."""
    return f"/col/col{column.key}/"


def list_url(column: Column, page: int = 0, site: Site | None = None) -> str:
    """The column page (the registry's column URL)."""
    return f"/col/col{column.key}/index.html"


def doc_path(site: Site, column: Column, doc_id: int, published) -> str:
    """/col/col<ID>/art/<yyyy>/art_<32hex>.html"""
    digest = hashlib.md5(f"{site.id}:{doc_id}".encode()).hexdigest()
    return f"/col/col{column.key}/art/{published.year}/art_{digest}.html"


def attachment_target(site: Site, doc_id: int, ext: str) -> str:
    """Where jpaas keeps uploaded files."""
    return f"/attach/0/{hashlib.md5(f'{site.id}:att:{doc_id}'.encode()).hexdigest()}.{ext}"


def column_page(site: Site, column: Column) -> Response:
    """The shell: chrome plus the jpaasUnit script that tells the front end which unit to build."""
    unit = json.dumps({"webId": str(site.web_id), "pageId": column.key, "tplSetId": site.tpl_set_id, "pageSize": PAGE_SIZE})
    page = (
        plain.head(site, f"{column.name} {site.name}", f'<meta name="ColumnName" content="{esc(column.name)}">\n',
                   f'<script type="text/javascript">var jpaasUnit = {unit};</script>\n'
                   '<script type="text/javascript" src="/static/jpaas/jpaas-unit-loader.js"></script>\n')
        + plain.header(site)
        + plain.location(column, list_url(column))
        + f'<div class="main"><div class="list-title">{esc(column.name)}</div>\n'
        + '<div id="jpaas-list" class="jpaas-list" data-tag="当前栏目list"><!-- 列表由接口加载 --></div>\n<div id="jpaas-page"></div></div>\n'
        + plain.footer(site)
    )
    return encode_page(site, page)


def _fragment(docs: list[Document]) -> str:
    items = "".join(
        f'<li><a href="{doc.path}" title="{esc(doc.title)}" target="_blank">{esc(doc.title)}</a><span>{doc.published:%Y-%m-%d}</span></li>'
        for doc in docs
    )
    return f'<ul class="list">{items}</ul>'


def api_page(world: World, site: Site, day: int, params: dict[str, str]) -> Response | None:
    """The unit-building API: one page of the column list as an HTML fragment in JSON."""
    if params.get("webId") != str(site.web_id) or params.get("tplSetId") != site.tpl_set_id:
        return None
    column = next((c for c in site.columns if c.key == params.get("pageId")), None)
    try:
        paging = json.loads(params.get("paramJson") or "{}")
        number, size = int(paging.get("pageNo", 1)), int(paging.get("pageSize", PAGE_SIZE))
    except (ValueError, TypeError, AttributeError):
        return Response(400, b'{"success": false, "message": "paramJson"}', "application/json;charset=UTF-8")
    if column is None or number < 1 or not 1 <= size <= 100:
        return None
    docs = world.documents_on(day, site.id, column.key)
    chunk = docs[(number - 1) * size:number * size]
    body = {"success": True, "code": 200, "data": {"html": _fragment(chunk), "total": len(docs)}}
    return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")


def home_page(world: World, site: Site, day: int) -> Response:
    """The front page: links to the column shells."""
    links = "".join(f'<li><a href="{list_url(c)}">{esc(c.name)}</a></li>' for c in site.columns)
    return encode_page(site, plain.head(site, site.name) + plain.header(site) + f"<ul>{links}</ul>\n" + plain.footer(site))


metadata_shown = plain.metadata_shown  # detail pages are plain.detail_page, with its table


def route(world: World, site: Site, day: int, method: str, path: str, params: dict[str, str]) -> Response | None:
    """Answer a request for a jpaas path, or None if nothing lives there."""
    if method != "GET":
        return None
    if path in ("/", "/index.html"):
        return home_page(world, site, day)
    if path == API:
        return api_page(world, site, day, params)
    match = COLUMN_PAGE.match(path)
    if match:
        column = next((c for c in site.columns if c.key == match["column"]), None)
        return column_page(site, column) if column else None
    doc = world.document_at(site.id, path)
    if doc is not None and doc.exists_on(day):
        column = site.column(doc.column)
        return plain.detail_page(world, site, doc, day, list_url(column), plain.info_line(site, doc))
    return None


# ---------------------------------------------------------------- the walk (wjw simweb check)

JPAAS_UNIT = re.compile(r"var jpaasUnit = (\{.*?\});")


def walk_list(site: Site, column: dict, walk: SiteWalk) -> list[str]:
    """The reference reading of a jpaas list: the unit the shell page names, then the API's pages until its total."""
    url, text = first_list_text(site, column, walk)
    if text is None:
        return []
    unit = json.loads(JPAAS_UNIT.search(text)[1])
    found: list[str] = []
    page = 1
    while True:
        api = urljoin(url, "/api-gateway/jpaas-publish-server/front/page/build/unit?webId={webId}&pageId={pageId}"
                      "&parseType=bulidstatic&pageType=column&tagId=%E5%BD%93%E5%89%8D%E6%A0%8F%E7%9B%AElist"
                      "&tplSetId={tplSetId}".format(**unit) + f"&paramJson=%7B%22pageNo%22%3A{page}%2C%22pageSize%22%3A15%7D")
        body = get_text(api, "utf-8", walk)
        if body is None:
            break
        data = json.loads(body)["data"]
        hrefs = HREF.findall(data["html"])
        found += [urljoin(url, h) for h in hrefs]
        if not hrefs or len(found) >= data["total"]:
            break
        page += 1
    return found
