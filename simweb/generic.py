"""Sites on no known CMS: a city commission's news portal (seed 002's shape) and a tender aggregator (seed 001's shape).

Both list items with a title link and a date and chain their list pages with a 下一页 link; the portal's
list pages also carry a calendar widget whose month pages link on forever (a spider trap).
"""

from __future__ import annotations

import re
from datetime import date

from simweb import plain
from simweb.model import Column, Document, Site, World
from simweb.pages import (
    Response,
    encode_page,
    esc,
    footer_lines,
    paragraphs_html,
    standard_meta,
)
from simweb.walk import linked_pages

# The family's two columns on a simulated site: (key, name, section, unit id); {a}, {b} are the site's column ids.
COLUMNS = (("gzdt/wjdt", "卫健动态", "工作动态", 0), ("zwgk/ghjh", "规划计划", "政务公开", 0))
# Who the footer names as the site's technical supporter (技术支持), one per site.
TECH = ("{region}信息中心", "北京采招汇科技有限公司")

PORTAL_LIST = re.compile(r"^/(?P<column>[a-z]+/[a-z]+)/list(?:_(?P<page>[1-9]\d*))?\.html$")
AGGREGATOR_LIST = "/zbxx/list"
CALENDAR = re.compile(r"^/calendar/(?P<year>\d{4})-(?P<month>\d{2})(?:-(?P<day>\d{2}))?\.html$")


def column_path(column: Column) -> str:
    """The column's directory (portal) or the list query (aggregator), as robots.txt names it."""
    return f"/{column.key}/" if "/" in column.key else f"{AGGREGATOR_LIST}?cat={column.key}"


def list_url(column: Column, page: int = 0, site: Site | None = None) -> str:
    """The column's list page (0-based page)."""
    if "/" in column.key:
        return f"/{column.key}/list{'' if page == 0 else f'_{page + 1}'}.html"
    return f"{AGGREGATOR_LIST}?cat={column.key}&pn={page + 1}"


def doc_path(site: Site, column: Column, doc_id: int, published) -> str:
    """Portal: /<column>/<yyyymm>/<id>.html; aggregator: /detail/<yyyymmdd>/<id>.html."""
    if site.shape == "aggregator":
        return f"/detail/{published:%Y%m%d}/{doc_id}.html"
    return f"/{column.key}/{published:%Y%m}/{doc_id}.html"


def attachment_target(site: Site, doc_id: int, ext: str) -> str:
    """Uploads of the portal's home-grown CMS."""
    return f"/uploadfiles/{doc_id % 97:02d}/{doc_id}.{ext}"


def _calendar_box(today: date) -> str:
    return (f'<div class="calendar"><h4>日历</h4><a href="/calendar/{today:%Y-%m}.html">{today.year}年{today.month}月</a></div>')


def _list_page(world: World, site: Site, column: Column, day: int, page: int) -> Response | None:
    docs = world.documents_on(day, site.id, column.key)
    pages = max(1, -(-len(docs) // site.page_size))
    if not 0 <= page < pages:
        return None
    chunk = docs[page * site.page_size:(page + 1) * site.page_size]
    nav = []
    if page > 0:
        nav.append(f'<a href="{list_url(column, page - 1)}">上一页</a>')
    if page + 1 < pages:
        nav.append(f'<a href="{list_url(column, page + 1)}">下一页</a>')
    pager = f'<div class="pages">第{page + 1}页/共{pages}页 {" ".join(nav)}</div>'
    if site.shape == "aggregator":
        rows = "".join(
            f'<tr><td class="title"><a href="{doc.path}" target="_blank">{esc(doc.title)}</a></td><td>{esc(_region(doc))}</td>'
            f'<td class="date">{doc.published:%Y-%m-%d}</td></tr>' for doc in chunk)
        items = f'<table class="list-table"><tr><th>标题</th><th>地区</th><th>发布时间</th></tr>{rows}</table>'
        extra = '<div class="login-tip">登录后可查看更多招标信息 <a href="/user/register">免费注册</a></div>'
    else:
        items = "<ul class=\"news-list\">" + "".join(
            f'<li><a href="{doc.path}" target="_blank">{esc(doc.title)}</a><span class="date">[{doc.published:%Y-%m-%d}]</span></li>'
            for doc in chunk) + "</ul>"
        extra = _calendar_box(world.date_of(day))
    page_html = (
        plain.head(site, f"{column.name}-{site.name}")
        + plain.header(site)
        + f'<div class="location">您的位置: <a href="/">首页</a> &gt;{esc(column.section)}&gt;{esc(column.name)}</div>\n'
        + f'<div class="main"><div class="list-title">{esc(column.name)}</div>\n{items}\n{pager}\n{extra}\n</div>\n'
        + plain.footer(site)
    )
    return encode_page(site, page_html)


def _region(doc: Document) -> str:
    match = re.match(r"【(.+?)】", doc.title)
    return match.group(1) if match else "全国"


def portal_detail(world: World, site: Site, doc: Document, day: int) -> Response:
    column = site.column(doc.column)
    revision = doc.revision_on(day)
    body = paragraphs_html(site, doc, revision.paragraphs, lambda p: f"<p>{esc(p.text)}</p>")
    page = (
        plain.head(site, f"{doc.title}-{site.name}", standard_meta(site, doc, column.name, revision.modified))
        + plain.header(site)
        + f'<div class="location">您的位置: <a href="/">首页</a> &gt;{esc(column.section)}&gt;{esc(column.name)}&gt;详细内容</div>\n'
        + f'<div class="detail"><h2>{esc(doc.title)}</h2>\n'
        + f'<div class="source">来源:{esc(doc.agency)} 发布时间:{doc.published:%Y-%m-%d} 浏览次数:{doc.views} 【字体:<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a>】</div>\n'
        + plain.metadata_table(site, doc)
        + f'<div class="detail-content">\n{body}\n</div></div>\n'
        + plain.footer(site)
    )
    return encode_page(site, page, last_modified=revision.modified)


def _aggregator_detail(world: World, site: Site, doc: Document, day: int) -> Response:
    revision = doc.revision_on(day)
    body = paragraphs_html(site, doc, revision.paragraphs, lambda p: f"<p>{esc(p.text)}</p>")
    label = "招标" if doc.kind == "tender" else "资讯"
    page = (
        plain.head(site, f"{doc.title}_{site.name}", standard_meta(site, doc, site.column(doc.column).name, revision.modified))
        + '<div class="topbar">采招汇 | 全国招标采购信息服务平台 <a href="/user/login">登录</a> <a href="/user/register">注册</a> 客服热线：400-000-0000</div>\n'
        + f'<div class="detail"><span class="tag">{label}</span>\n<h1>{esc(doc.title)}</h1>\n'
        + '<dl class="summary"><dt>金额</dt><dd>-</dd><dt>项目地址</dt><dd>-</dd>'
        + f'<dt>发布时间</dt><dd>{doc.published:%Y/%m/%d}</dd></dl>\n'
        + '<div class="abstract"><h3>公告摘要</h3><p>项目编号-</p><p>预算金额-</p><p>招标公司-</p><p>招标联系人-</p>'
        + '<p>标书截止时间-</p><p>投标截止时间-</p></div>\n'
        + f'<div class="notice-body"><h3>公告正文</h3>\n{body}\n</div>\n'
        + '<div class="vip-tip">查看完整联系方式，请<a href="/vip/">开通VIP会员</a>，服务热线400-000-0000</div></div>\n'
        + '<div class="footer"><p>' + "</p><p>".join(footer_lines(site)[1:]) + "</p></div>\n</body>\n</html>\n"
    )
    return encode_page(site, page, last_modified=revision.modified)


def metadata_shown(site: Site, doc: Document) -> frozenset[str]:
    """The fields a detail page prints in a table: the portal's plain one; the aggregator has none."""
    return frozenset() if site.shape == "aggregator" else plain.metadata_shown(site, doc)


def calendar_page(site: Site, year: int, month: int, day: int | None) -> Response | None:
    """A calendar month (or day) page: links to the month before and after, whatever the year."""
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        return None
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    days = "".join(f'<a href="/calendar/{year:04d}-{month:02d}-{d:02d}.html">{d}</a> ' for d in range(1, 29))
    page = (plain.head(site, f"{year}年{month}月-{site.name}") + plain.header(site)
            + f'<div class="calendar"><a href="/calendar/{prev_y:04d}-{prev_m:02d}.html">上一月</a> {year}年{month}月 '
            + f'<a href="/calendar/{next_y:04d}-{next_m:02d}.html">下一月</a><div class="days">{days}</div>'
            + ('<p>当日无信息。</p>' if day else "") + "</div>\n" + plain.footer(site))
    return encode_page(site, page)


def home_page(world: World, site: Site, day: int) -> Response:
    """The front page: the newest items of every column."""
    blocks = []
    for column in site.columns:
        items = "".join(f'<li><a href="{doc.path}">{esc(doc.title)}</a></li>' for doc in world.documents_on(day, site.id, column.key)[:6])
        blocks.append(f'<div class="box"><h3><a href="{list_url(column)}">{esc(column.name)}</a></h3><ul>{items}</ul></div>')
    return encode_page(site, plain.head(site, site.name) + plain.header(site) + "\n".join(blocks) + plain.footer(site))


def route(world: World, site: Site, day: int, method: str, path: str, params: dict[str, str]) -> Response | None:
    """Answer a request for a generic site's path, or None if nothing lives there."""
    if method != "GET":
        return None
    if path in ("/", "/index.html"):
        return home_page(world, site, day)
    if site.shape == "aggregator" and path == AGGREGATOR_LIST:
        column = next((c for c in site.columns if c.key == params.get("cat")), None)
        number = params.get("pn", "1")
        if column is None or not number.isdigit():
            return None
        return _list_page(world, site, column, day, int(number) - 1)
    match = PORTAL_LIST.match(path)
    if match and site.shape == "portal":
        column = next((c for c in site.columns if c.key == match["column"]), None)
        if column is None or match["page"] == "1":
            return None
        return _list_page(world, site, column, day, int(match["page"] or 1) - 1)
    match = CALENDAR.match(path)
    if match and site.shape == "portal":
        return calendar_page(site, int(match["year"]), int(match["month"]), int(match["day"]) if match["day"] else None)
    doc = world.document_at(site.id, path)
    if doc is not None and doc.exists_on(day):
        return (_aggregator_detail if site.shape == "aggregator" else portal_detail)(world, site, doc, day)
    return None


# ---------------------------------------------------------------- the walk (wjw simweb check)

GENERIC_NEXT = re.compile(r'<a href="([^"]+)">下一页</a>')
GENERIC_ITEM = re.compile(r'<(?:li|td class="title")><a href="(/[^"?]+\.html)"')
walk_list = linked_pages(GENERIC_NEXT, GENERIC_ITEM)  # the pages its 下一页 links
