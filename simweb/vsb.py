"""Plain/VSB (博达) sites: static lists `<col>.htm`, then `<col>/<N-1>.htm` counting down to `<col>/1.htm`; details `/info/<col id>/<id>.htm`."""

from __future__ import annotations

import posixpath
import re

from simweb import plain
from simweb.model import Column, Site, World
from simweb.pages import Response, encode_page, esc, relative
from simweb.walk import linked_pages

# The family's two columns on a simulated site: (key, name, section, unit id); {a}, {b} are the site's column ids.
COLUMNS = (("xwzx/tzgg", "通知公告", "新闻中心", 1), ("zwgk/ghjh", "规划计划", "政务公开", 2))
# Who the footer names as the site's technical supporter (技术支持), one per site.
TECH = ("博达软件", "{short}信息技术服务中心")

PAGE = re.compile(r"^/(?P<column>[a-z]+/[a-z]+)(?:/(?P<number>[1-9]\d*))?\.htm$")


def column_path(column: Column) -> str:
    """The column's first page and its numbered pages, as robots.txt names them."""
    return f"/{column.key}"


def list_url(column: Column, page: int = 0, site: Site | None = None) -> str:
    """The column's first list page."""
    return f"/{column.key}.htm"


def doc_path(site: Site, column: Column, doc_id: int, published) -> str:
    """/info/<column id>/<doc id>.htm"""
    return f"/info/{column.unit_id}/{doc_id}.htm"


def attachment_target(site: Site, doc_id: int, ext: str) -> str:
    """VSB keeps uploads under /__local/."""
    code = f"{doc_id * 2654435761 % 16 ** 8:08X}"
    return f"/__local/{code[0]}/{code[1:3]}/{code}{doc_id:08X}.{ext}"


def _page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def list_page(world: World, site: Site, column: Column, day: int, number: int | None) -> Response | None:
    """Page 1 is <col>.htm; page p >= 2 is <col>/<N-p+1>.htm, so the oldest page is always 1.htm."""
    docs = world.documents_on(day, site.id, column.key)
    pages = _page_count(len(docs), site.page_size)
    page = 1 if number is None else pages - number + 1
    if number is not None and not 1 <= number <= pages - 1:
        return None
    own = list_url(column) if number is None else f"/{column.key}/{number}.htm"
    chunk = docs[(page - 1) * site.page_size:page * site.page_size]
    table = site.page_size % 4 == 0  # some VSB templates list in a table with a date cell
    rows = []
    for doc in chunk:
        href = esc(relative(doc.path, own)).removeprefix("./")
        if table:
            rows.append(f'<tr><td class="bt"><a href="{href}" title="{esc(doc.title)}" target="_blank">{esc(doc.title)}</a></td>'
                        f'<td class="rq">{doc.published:%Y-%m-%d}</td></tr>')
        else:
            rows.append(f'<li><a href="{href}" title="{esc(doc.title)}" target="_blank">{esc(doc.title)}</a><span>{doc.published:%Y-%m-%d}</span></li>')
    items = f'<table class="winstyle">{"".join(rows)}</table>' if table else f'<ul class="list">{"".join(rows)}</ul>'
    base = posixpath.basename(column.key)
    links = [f"共{len(docs)}条&nbsp;&nbsp;{page}/{pages}&nbsp;"]
    def href_of(p: int) -> str:
        target = list_url(column) if p == 1 else f"/{column.key}/{pages - p + 1}.htm"
        rel = relative(target, own)
        return rel.removeprefix("./")
    if page > 1:
        links.append(f'<a href="{href_of(1)}" class="Prev">首页</a> <a href="{href_of(page - 1)}" class="Prev">上页</a>')
    if page < pages:
        nxt = f"{base}/{pages - page}.htm" if number is None else f"{pages - page}.htm"
        links.append(f'<a href="{nxt}" class="Next">下页</a> <a href="{href_of(pages)}" class="Next">尾页</a>')
    pager = '<div class="pb_sys_common pb_sys_normal"><span class="p_pages">' + " ".join(links) + "</span></div>"
    page_html = (
        plain.head(site, f"{column.name}-{site.name}", '<meta name="description" content="">\n'
                   '<META Name="keywords" Content="">\n<!--Announced by Visual SiteBuilder 9-->\n')
        + plain.header(site)
        + plain.location(column, href_of(1) if number is not None else base + ".htm")
        + f'<div class="main"><div class="list-title">{esc(column.name)}</div>\n{items}\n{pager}\n</div>\n'
        + plain.footer(site)
    )
    return encode_page(site, page_html)


def home_page(world: World, site: Site) -> Response:
    """The front page."""
    links = "".join(f'<li><a href="{list_url(c).lstrip("/")}">{esc(c.name)}</a></li>' for c in site.columns)
    return encode_page(site, plain.head(site, site.name) + plain.header(site) + f"<ul>{links}</ul>\n" + plain.footer(site))


metadata_shown = plain.metadata_shown  # detail pages are plain.detail_page, with its table


def route(world: World, site: Site, day: int, method: str, path: str, params: dict[str, str]) -> Response | None:
    """Answer a request for a VSB path, or None if nothing lives there."""
    if method != "GET":
        return None
    if path in ("/", "/index.htm", "/index.html"):
        return home_page(world, site)
    match = PAGE.match(path)
    if match:
        column = next((c for c in site.columns if c.key == match["column"]), None)
        if column is None:
            return None
        return list_page(world, site, column, day, int(match["number"]) if match["number"] else None)
    doc = world.document_at(site.id, path)
    if doc is not None and doc.exists_on(day):
        info = (f"时间：{doc.published:%Y年%m月%d日}　来源：{esc(doc.agency)}　点击数：{doc.views}")
        return plain.detail_page(world, site, doc, day, "../../" + list_url(site.column(doc.column)).lstrip("/"), info)
    return None


# ---------------------------------------------------------------- the walk (wjw simweb check)

VSB_NEXT = re.compile(r'<a href="([^"]+)" class="Next">下页</a>')
VSB_ITEM = re.compile(r'href="((?:\.\./)*info/\d+/\d+\.htm)"')
walk_list = linked_pages(VSB_NEXT, VSB_ITEM)  # tzgg.htm, then the pages its 下页 links count down
