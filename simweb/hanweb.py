"""Pages of sites built on Hanweb 大汉版通: column pages with embedded XML records, dataproxy.jsp, art_ details."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urljoin

from simweb import plain
from simweb.model import Column, Document, Paragraph, Revision, Site, World
from simweb.pages import (
    Response,
    encode_page,
    esc,
    footer_lines,
    paragraphs_html,
    table_date,
)
from simweb.walk import SiteWalk, first_list_text, get_text

# The family's two columns on a simulated site: (key, name, section, unit id); {a}, {b} are the site's column ids.
COLUMNS = (("{a}", "通知公告", "政务公开", 0), ("{b}", "规划计划", "政府信息公开", 0))
# Who the footer names as the site's technical supporter (技术支持), one per site.
TECH = ("南京大汉网络有限公司", "大汉软件股份有限公司")

COLUMN_PAGE = re.compile(r"^/col/col(?P<column>\d+)/index\.html$")
GET_PROXY = "/module/web/jpage/dataproxy.jsp"
POST_PROXY = "/module/jpage/dataproxy.jsp"
MARKER = "Produced By 大汉网络 大汉版通发布系统"

NAV = (("/index.html", "首页"), ("/col/col1/index.html", "机构概况"), ("/col/col2/index.html", "政务公开"),
       ("/col/col3/index.html", "新闻动态"), ("/col/col4/index.html", "办事服务"), ("/col/col5/index.html", "互动交流"))


def column_path(column: Column) -> str:
    """The column's directory, as robots.txt names it."""
    return f"/col/col{column.key}/"


def list_url(column: Column, page: int = 0, site: Site | None = None) -> str:
    """Path of a column's page."""
    return f"/col/col{column.key}/index.html"


def _head(site: Site, title: str, extra_meta: str = "") -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
{site.meta_charset}
<!--{MARKER}-->
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<title>{esc(title)}</title>
<meta name="SiteName" content="{esc(site.name)}">
<meta name="SiteDomain" content="{site.domain}">
<meta name="SiteIDCode" content="{site.site_code}">
{extra_meta}<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<link rel="stylesheet" type="text/css" href="/images/{site.web_id}/hanweb.css">
</head>
<body>
"""


def _header(site: Site, column: Column | None) -> str:
    nav = "".join(f'<a href="{href}">{name}</a>' for href, name in NAV)
    location = ""
    if column is not None:
        location = (f'<span id="col1_name">{esc(column.name)}</span><span id="col1_url">{list_url(column)}</span>')
    return f"""<div id="hiddenLocation" style="display:none;"><span id="ss_webid">{site.web_id}</span>{location}</div>
<div class="top_link"><p><span style="float:left"><a href="http://www.gov.cn/" target="_blank">中国政府网</a>|<a href="http://www.nhc.gov.cn/" target="_blank">国家卫生健康委员会</a></span><span style="float:right;"><a href="javascript:zh_tran('s');">简体</a>|<a href="javascript:zh_tran('t');">繁体</a>|<a onclick="toggleToolBar();">无障碍浏览</a></span></p></div>
<div class="logo_search">
<div class="logo"><a href="/"><img src="/picture/{site.web_id}/logo.png" title="{esc(site.name)}"></a></div>
<div class="search"><form action="/jrobot/search.do" method="get" target="_blank"><input type="hidden" name="webid" value="{site.web_id}"><input type="text" name="q" value="请输入关键字"><input type="submit" value="搜索"></form></div>
</div>
<div class="nav">{nav}</div>
"""


def _footer(site: Site) -> str:
    lines = "".join(f"<p>{line}</p>\n" for line in footer_lines(site))
    return f"""<div class="footer">
{lines}</div>
<a href="http://www.hanweb.com" style="display:none">{MARKER}</a>
<script language="javascript" src="/script/web_front.js"></script>
</body>
</html>
"""


def _position(column: Column) -> str:
    return (f'<div class="position">当前位置：<a href="/index.html">首页</a> &gt; <a href="/col/col2/index.html">{esc(column.section)}</a>'
            f' &gt; <a href="{list_url(column)}">{esc(column.name)}</a></div>')


def record(site: Site, doc: Document) -> str:
    """One list entry, as both the column page and dataproxy.jsp wrap it in CDATA."""
    text = doc.title
    if site.truncates_titles and len(text) > 30:
        text = text[:28] + "…"
    return (f'<li><a href="{doc.path}" title="{esc(doc.title)}" target="_blank">{esc(text)}</a>'
            f'<span>{doc.published:%Y-%m-%d}</span></li>')


def _records(site: Site, docs: list[Document]) -> str:
    return "\n".join(f"<record><![CDATA[{record(site, doc)}]]></record>" for doc in docs)


def _totals(site: Site, total: int) -> str:
    pages = max(1, -(-total // site.page_size))
    return f"<totalrecord>{total}</totalrecord>\n<totalpage>{pages}</totalpage>"


def next_group(site: Site, column: Column) -> str:
    """The dataproxy URL a column page names for fetching further records."""
    return (f"{GET_PROXY}?page=1&appid=1&webid={site.web_id}&path=/&columnid={column.key}"
            f"&unitid={column.unit_id}&webname={quote(site.name)}&permissiontype=0")


def column_page(world: World, site: Site, column: Column, day: int) -> Response:
    """A column page: chrome and only the first page of records, inside <script type="text/xml">."""
    docs = world.documents_on(day, site.id, column.key)
    meta = f'<meta name="ColumnName" content="{esc(column.name)}">\n<meta name="ColumnType" content="">\n'
    page_html = (
        _head(site, f"{column.name} - {site.name}", meta)
        + _header(site, column)
        + _position(column)
        + f"""
<div class="main">
<div class="left-nav"><h3>{esc(column.section)}</h3><ul>{"".join(f'<li><a href="{list_url(c)}">{esc(c.name)}</a></li>' for c in site.columns)}</ul></div>
<div class="list-right">
<div class="list-title">{esc(column.name)}</div>
<div class="default_pgContainer">
<div id="{column.unit_id}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{next_group(site, column)}"></a>]]></nextgroup>
<recordset>
{_records(site, docs[:site.page_size])}
</recordset>
{_totals(site, len(docs))}
</datastore></script><script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script>var pageSize = {site.page_size};</script></div>
</div>
</div>
</div>
"""
        + _footer(site)
    )
    return encode_page(site, page_html)


def _xml(body: str) -> Response:
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n{body}\n</datastore>\n'
    return Response(200, text.encode("utf-8"), "text/xml;charset=UTF-8")


def _column_of(site: Site, params: dict[str, str]) -> Column | None:
    """The column a dataproxy request names, if its webid, columnid and unitid all belong to this site."""
    if params.get("webid") != str(site.web_id):
        return None
    for column in site.columns:
        if params.get("columnid") == column.key and params.get("unitid", str(column.unit_id)) == str(column.unit_id):
            return column
    return None


def _int(params: dict[str, str], name: str, default: int) -> int | None:
    value = params.get(name, str(default))
    return int(value) if value.isdigit() else None


def proxy_page(world: World, site: Site, day: int, params: dict[str, str]) -> Response | None:
    """GET dataproxy.jsp?page=K: the K-th page of records (1-based) and the totals."""
    column = _column_of(site, params)
    page = _int(params, "page", 1)
    if column is None or not page:
        return None
    docs = world.documents_on(day, site.id, column.key)
    chunk = docs[(page - 1) * site.page_size:page * site.page_size]
    return _xml(f"{_totals(site, len(docs))}\n<recordset>\n{_records(site, chunk)}\n</recordset>")


def proxy_range(world: World, site: Site, day: int, params: dict[str, str]) -> Response | None:
    """POST dataproxy.jsp?startrecord=A&endrecord=B: records A..B (1-based, inclusive) and the total."""
    column = _column_of(site, params)
    start, perpage = _int(params, "startrecord", 1), _int(params, "perpage", site.page_size)
    if column is None or not start or perpage is None:
        return None
    end = _int(params, "endrecord", start + perpage - 1)
    if end is None:
        return None
    docs = world.documents_on(day, site.id, column.key)
    chunk = docs[start - 1:end]
    return _xml(f"<totalrecord>{len(docs)}</totalrecord>\n<recordset>\n{_records(site, chunk)}\n</recordset>")


def _paragraph(paragraph: Paragraph) -> str:
    text, role = paragraph
    if role == "title":
        return f'<p style="text-align: center;"><strong>{esc(text)}</strong></p>'
    if role == "signature":
        return f'<p style="text-align: right;">{esc(text)}</p>'
    if role == "salutation":
        return f"<p>{esc(text)}</p>"
    if role == "heading":
        return f'<p style="text-indent: 2em; line-height: 2em;"><strong>{esc(text)}</strong></p>'
    return f'<p style="text-indent: 2em; line-height: 2em;"><span style="font-size: 16px;">{esc(text)}</span></p>'


def _content(site: Site, doc: Document, revision: Revision) -> str:
    body = paragraphs_html(site, doc, revision.paragraphs, _paragraph)
    return ('<!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">'
            f'{body}\n<p>&nbsp;</p><meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end-->')


metadata_shown = plain.metadata_shown  # the same rule: only numbered or indexed pages carry a table


def _metadata_table(site: Site, doc: Document) -> str:
    if not metadata_shown(site, doc):
        return ""
    rows = []
    if doc.index_number:
        rows.append(f"<tr><td>索引号</td><td>{doc.index_number}</td><td>主题分类</td><td>卫生健康</td></tr>")
    rows.append(f"<tr><td>发布机构</td><td>{esc(doc.agency)}</td><td>成文日期</td><td>{table_date(site, doc.written)}</td></tr>")
    rows.append(f"<tr><td>文件编号</td><td>{esc(doc.doc_number or '')}</td><td>公开方式</td><td>主动公开</td></tr>")
    return '<table class="xxgk_table" cellspacing="0" cellpadding="0">' + "".join(rows) + "</table>"


def detail_page(world: World, site: Site, doc: Document, day: int) -> Response:
    """A document page as it stands that day, its body between the ZJEG_RSS markers."""
    column = site.column(doc.column)
    revision = doc.revision_on(day)
    meta = f"""<meta name="Maketime" content="{revision.modified:%Y-%m-%d %H:%M:%S}">
<meta name="ColumnName" content="{esc(column.name)}">
<meta name="ArticleTitle" content="{esc(doc.title)}">
<meta name="PubDate" content="{doc.published:%Y-%m-%d %H:%M}">
<meta name="contentSource" content="{esc(doc.agency)}">
<meta name="url" content="{doc.path}">
"""
    page_html = (
        _head(site, doc.title, meta)
        + _header(site, column)
        + _position(column)
        + f"""
<div class="wz-con">
<div class="con">
{_metadata_table(site, doc)}
<p class="con-title"><!--<$[标题]>begin-->{esc(doc.title)}<!--<$[标题]>end--></p>
<div class="small-title">
<span>信息来源：<!--<$[信息来源]>begin-->{esc(doc.agency)}<!--<$[信息来源]>end--></span>
<span>发布日期：{doc.published:%Y-%m-%d}</span>
<span>浏览次数：<script language="javascript" src="/module/visitcount/articlehits.jsp?colid={column.key}&artid={doc.doc_id}"></script></span>
<span>【字体：<a href="javascript:doZoom(20)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(12)">小</a>】</span>
</div>
<div class="main-txt" id="zoom">
{_content(site, doc, revision)}
</div>
<div class="main-word">
<div class="bdsharebuttonbox">分享到：<a class="bds_weixin" title="分享到微信" href="#">微信</a><a class="bds_tsina" title="分享到新浪微博" href="#">微博</a></div>
<span class="printer" onclick="window.print()">打印本页</span> <span class="close" onclick="window.close()">关闭窗口</span>
</div>
</div>
</div>
"""
        + _footer(site)
    )
    return encode_page(site, page_html, last_modified=revision.modified)


def home_page(world: World, site: Site, day: int) -> Response:
    """The site's front page: each column's newest items."""
    blocks = []
    for column in site.columns:
        items = "".join(record(site, doc) for doc in world.documents_on(day, site.id, column.key)[:6])
        blocks.append(f'<div class="index-box"><h3><a href="{list_url(column)}">{esc(column.name)}</a></h3><ul>{items}</ul></div>')
    page_html = _head(site, site.name) + _header(site, None) + '<div class="main">\n' + "\n".join(blocks) + "\n</div>\n" + _footer(site)
    return encode_page(site, page_html)


def route(world: World, site: Site, day: int, method: str, path: str, params: dict[str, str]) -> Response | None:
    """Answer a request for a Hanweb path, or None if nothing lives there."""
    if method == "POST":
        return proxy_range(world, site, day, params) if path == POST_PROXY else None
    if path in ("/", "/index.html"):
        return home_page(world, site, day)
    if path == GET_PROXY:
        return proxy_page(world, site, day, params)
    match = COLUMN_PAGE.match(path)
    if match:
        for column in site.columns:
            if column.key == match["column"]:
                return column_page(world, site, column, day)
        return None
    doc = world.document_at(site.id, path)
    if doc is not None and doc.exists_on(day):
        return detail_page(world, site, doc, day)
    return None


def doc_path(site: Site, column: Column, doc_id: int, published) -> str:
    """/art/<yyyy>/<m>/<d>/art_<column>_<id>.html"""
    return f"/art/{published.year}/{published.month}/{published.day}/art_{column.key}_{doc_id}.html"


def attachment_target(site: Site, doc_id: int, ext: str) -> str:
    """Hanweb serves uploads through downfile.jsp, the stored name in the query."""
    import hashlib
    name = hashlib.md5(f"{site.id}:att:{doc_id}".encode()).hexdigest()
    return f"/module/download/downfile.jsp?classid=0&filename={name}.{ext}"


# ---------------------------------------------------------------- the walk (wjw simweb check)

RECORD_HREF = re.compile(r"<record><!\[CDATA\[<li><a href=\"(/art/[^\"]+)\"")
NEXT_GROUP = re.compile(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"></a>\]\]></nextgroup>')
TOTAL_PAGES = re.compile(r"<totalpage>(\d+)</totalpage>")


def walk_list(site: Site, column: dict, walk: SiteWalk) -> list[str]:
    """The reference reading of a Hanweb list: the records on the page, then the dataproxy's pages."""
    url, text = first_list_text(site, column, walk, "utf-8")
    if text is None:
        return []
    found = [urljoin(url, h) for h in RECORD_HREF.findall(text)]
    pages = int(TOTAL_PAGES.search(text)[1])
    proxy = urljoin(url, html.unescape(NEXT_GROUP.search(text)[1]))
    for page in range(2, pages + 1):
        body = get_text(proxy.replace("page=1&", f"page={page}&"), "utf-8", walk)
        found += [urljoin(url, h) for h in RECORD_HREF.findall(body or "")]
    return found
