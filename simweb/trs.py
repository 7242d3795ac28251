"""Pages of sites built on TRS WCM: static index_N.html lists and tYYYYMMDD_id.html details, in GBK."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from simweb.model import Column, Document, Paragraph, Revision, Site, World
from simweb.pages import (
    TABLE_FIELDS,
    Response,
    encode_page,
    esc,
    footer_lines,
    paragraphs_html,
    relative,
    table_date,
)
from simweb.walk import SiteWalk, first_list_text, get_text

# The family's two columns on a simulated site: (key, name, section, unit id); {a}, {b} are the site's column ids.
COLUMNS = (("tzgg", "通知公告", "政务公开", 0), ("xxgk/ghjh", "规划计划", "信息公开", 0))
# Who the footer names as the site's technical supporter (技术支持), one per site.
TECH = ("拓尔思信息技术股份有限公司", "{region}大数据中心", "中国电信{short}分公司")

LIST_PAGE = re.compile(r"^/(?P<column>.+)/index(?:_(?P<page>[1-9]\d*))?\.(?P<ext>s?html)$")

# Sites numbering from index_2 carry their own variant of the pager (the real Henan/Chongqing habit):
# currentPage is 1-based there, and page k lives in index_{k} (k >= 2).
PAGER_SCRIPT_FROM_2 = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  for(var i = 1; i <= _nPageCount; i++){
    var sPageName = (i == 1 ? _sPageName : (_sPageName + "_" + i)) + "." + _sPageExt;
    if(_nCurrIndex == i){ document.write("<span class='current'>" + i + "</span>&nbsp;"); }
    else{ document.write("<a href='" + sPageName + "'>" + i + "</a>&nbsp;"); }
  }
  document.write("<span class='page-total'>共" + _nPageCount + "页</span>");
}
</script>"""

# TRS templates define the pager inline; crawlers read its arguments (total pages, current 0-based index).
PAGER_SCRIPT = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  for(var i = 0; i < _nPageCount; i++){
    var sPageName = (i == 0 ? _sPageName : (_sPageName + "_" + i)) + "." + _sPageExt;
    if(nCurrIndex == i){ document.write("<span class='current'>" + (i + 1) + "</span>&nbsp;"); }
    else{ document.write("<a href='" + sPageName + "'>" + (i + 1) + "</a>&nbsp;"); }
  }
  document.write("<span class='page-total'>共" + _nPageCount + "页</span>");
}
</script>"""

ON = ' class="on"'
NAV = (("/", "首页"), ("/jggk/", "机构概况"), ("/zwgk/", "政务公开"), ("/xwzx/", "新闻中心"), ("/bsfw/", "办事服务"), ("/hdjl/", "互动交流"))


def column_path(column: Column) -> str:
    """The column's directory, as robots.txt and links name it."""
    return f"/{column.key}/"


def list_url(column: Column, page: int = 0, site: Site | None = None) -> str:
    """Path of a column's list page (page 0-based): index.html, then index_1.html, or index_2.html on sites numbering from 2."""
    ext = site.page_ext if site else "html"
    number = page + 1 if site is not None and site.page_style == "index1" else page
    return f"/{column.key}/index{'' if page == 0 else f'_{number}'}.{ext}"


def _head(site: Site, title: str, extra_meta: str = "") -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{site.meta_charset}
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{esc(title)}</title>
<meta name="SiteName" content="{esc(site.name)}">
<meta name="SiteDomain" content="{site.domain}">
<meta name="SiteIDCode" content="{site.site_code}">
{extra_meta}<link href="/images/common.css" rel="stylesheet" type="text/css">
<script type="text/javascript" src="/images/jquery.min.js"></script>
</head>
<body>
"""


def _header(site: Site) -> str:
    nav = "".join(f'<li><a href="{href}">{name}</a></li>' for href, name in NAV)
    return f"""<div class="top"><div class="w1200"><span class="fl">欢迎访问{esc(site.name)}！</span><span class="fr"><a href="javascript:void(0);">无障碍浏览</a> | <a href="javascript:void(0);">繁體</a> | <a href="javascript:void(0);">设为首页</a></span></div></div>
<div class="header w1200">
<div class="logo"><a href="/"><img src="/images/logo.png" alt="{esc(site.name)}"></a></div>
<div class="search"><form action="/search/search.jsp" method="get" target="_blank"><input type="text" name="searchword" value="请输入关键字"><input type="submit" value="搜索"></form></div>
</div>
<div class="nav"><ul class="w1200">{nav}</ul></div>
"""


def _footer(site: Site) -> str:
    lines = "".join(f"<p>{line}</p>\n" for line in footer_lines(site))
    return f"""<div class="footer">
<div class="w1200">
{lines}<p><img src="/images/dzjg.png" alt="党政机关"> 建议使用1366*768分辨率浏览本网站</p>
</div>
</div>
</body>
</html>
"""


def _sidebar(site: Site, current: Column) -> str:
    links = "".join(
        f'<li{ON if column == current else ""}><a href="{list_url(column, 0, site)}">{column.name}</a></li>'
        for column in site.columns
    )
    return f'<div class="left-nav"><h3>{esc(current.section)}</h3><ul>{links}</ul></div>'


def _list_item(site: Site, doc: Document) -> str:
    text = doc.title
    if site.truncates_titles and len(text) > 30:
        text = text[:28] + "..."
    href = f"./{doc.published:%Y%m}/t{doc.published:%Y%m%d}_{doc.doc_id}.{site.page_ext}"
    return f'<li><a href="{href}" title="{esc(doc.title)}" target="_blank">{esc(text)}</a><span>{doc.published:%Y-%m-%d}</span></li>'


def page_count(world: World, site: Site, column: Column, day: int) -> int:
    """How many list pages the column has that day (at least one, even when empty)."""
    total = len(world.documents_on(day, site.id, column.key))
    return max(1, -(-total // site.page_size))


def list_page(world: World, site: Site, column: Column, day: int, page: int) -> Response | None:
    """One page of a column's list, newest first, with the createPageHTML pager; None past the end."""
    pages = page_count(world, site, column, day)
    if page >= pages:
        return None
    docs = world.documents_on(day, site.id, column.key)[page * site.page_size:(page + 1) * site.page_size]
    items = "\n".join(_list_item(site, doc) for doc in docs)
    meta = f'<meta name="ColumnName" content="{esc(column.name)}">\n'
    page_html = (
        _head(site, f"{column.name}_{site.name}", meta)
        + _header(site)
        + f"""<div class="main w1200">
<div class="location">您的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">{esc(column.section)}</a> &gt; <span>{esc(column.name)}</span></div>
{_sidebar(site, column)}
<div class="list-right">
<div class="list-title"><span>{esc(column.name)}</span></div>
<ul class="list-ul">
{items}
</ul>
<div class="page">
{_pager(site, page, pages)}
</div>
</div>
</div>
"""
        + _footer(site)
    )
    return encode_page(site, page_html)


def _pager(site: Site, page: int, pages: int) -> str:
    if site.page_style == "index1":
        return f"""{PAGER_SCRIPT_FROM_2}
<script type="text/javascript">
var countPage = {pages};
var currentPage = {page + 1};
createPageHTML({pages}, {page + 1}, "index", "{site.page_ext}");
</script>"""
    return f"""{PAGER_SCRIPT}
<script type="text/javascript">
var currentPage = {page};
var countPage = {pages}//共多少页
createPageHTML({pages}, {page}, "index", "{site.page_ext}");
</script>"""


def _split_spans(text: str) -> str:
    """Editors paste text in pieces, so a paragraph often arrives as several sibling spans."""
    cut = text.find("。")
    if 0 < cut < len(text) - 1:
        return f'<span style="font-family:仿宋_GB2312;font-size:16pt">{esc(text[:cut + 1])}</span><span style="font-family:仿宋_GB2312;font-size:16pt">{esc(text[cut + 1:])}</span>'
    return f'<span style="font-family:仿宋_GB2312;font-size:16pt">{esc(text)}</span>'


def _paragraph(doc: Document, paragraph: Paragraph) -> str:
    text, role = paragraph
    if role == "title":
        return f'<p style="text-align:center"><strong><span style="font-size:22pt;font-family:方正小标宋简体">{esc(text)}</span></strong></p>'
    if role == "signature":
        return f'<p style="text-align:right">{esc(text)}</p>'
    if role == "salutation":
        return f"<p>{esc(text)}</p>"
    # Pages made before the 2018 template refresh indent with ideographic spaces typed into the text.
    if doc.published.year < 2018:
        body = f"　　{esc(text)}"
        return f"<p><b>{body}</b></p>" if role == "heading" else f"<p>{body}</p>"
    if role == "heading":
        return f'<p style="text-indent:2em"><strong><span style="font-family:黑体;font-size:16pt">{esc(text)}</span></strong></p>'
    inner = _split_spans(text) if doc.doc_id % 2 == 0 else esc(text)
    return f'<p style="text-indent:2em">{inner}</p>'


def _editor(site: Site, doc: Document, revision: Revision) -> str:
    parts = []
    if site.level == "province":
        # Inline CSS inside the editor div is a TRS habit that leaks into naive text extraction.
        parts.append('<style type="text/css">.TRS_Editor P{margin-top:0;margin-bottom:0;line-height:2;font-family:宋体;font-size:12pt;}</style>')
    previous = [""]

    def render(paragraph: Paragraph) -> str:
        spacer = "<p>&nbsp;</p>\n" if paragraph.role == "signature" and previous[0] != "signature" else ""
        previous[0] = paragraph.role
        return spacer + _paragraph(doc, paragraph)

    parts.append(paragraphs_html(site, doc, revision.paragraphs, render))
    body = "\n".join(parts)
    return f'<div class="TRS_Editor"><div class="Custom_UnionStyle">\n{body}\n</div></div>'


def _related(world: World, site: Site, doc: Document) -> str:
    older = [d for d in world.documents_on(doc.first_day, site.id, doc.column) if d.published < doc.published][:3]
    if not older:
        return ""
    links = "".join(f'<li><a href="{relative(d.path, doc.path)}" target="_blank">{esc(d.title)}</a></li>' for d in older)
    return f'<div class="related"><h4>相关链接</h4><ul>{links}</ul></div>'


def metadata_shown(site: Site, doc: Document) -> frozenset[str]:
    """The fields the detail page's table prints: every TRS detail page carries one."""
    return TABLE_FIELDS


def _metadata_table(site: Site, doc: Document) -> str:
    category = "计划总结" if doc.is_plan or doc.kind == "summary" else "通知公告"
    return f"""<div class="xxgk-table">
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><th>索 引 号：</th><td>{doc.index_number}</td><th>主题分类：</th><td>卫生、体育\\{category}</td></tr>
<tr><th>发布机构：</th><td>{esc(doc.agency)}</td><th>成文日期：</th><td>{table_date(site, doc.written)}</td></tr>
<tr><th>名　　称：</th><td colspan="3">{esc(doc.title)}</td></tr>
<tr><th>文　　号：</th><td>{esc(doc.doc_number or "")}</td><th>发布日期：</th><td>{table_date(site, doc.published.date())}</td></tr>
</table>
</div>"""


def detail_page(world: World, site: Site, doc: Document, day: int) -> Response:
    """A document page as it stands that day: chrome, metadata table, TRS_Editor body, footer."""
    column = site.column(doc.column)
    revision = doc.revision_on(day)
    meta = f"""<meta name="ColumnName" content="{esc(column.name)}">
<meta name="ArticleTitle" content="{esc(doc.title)}">
<meta name="PubDate" content="{doc.published:%Y-%m-%d %H:%M}">
<meta name="ContentSource" content="{esc(doc.agency)}">
<meta name="Keywords" content="">
<meta name="Url" content="./t{doc.published:%Y%m%d}_{doc.doc_id}.{site.page_ext}">
"""
    column_link = relative(list_url(column, 0, site), doc.path)
    page_html = (
        _head(site, f"{doc.title}_{site.name}", meta)
        + _header(site)
        + f"""<div class="main w1200">
<div class="location">您的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">{esc(column.section)}</a> &gt; <a href="{column_link}">{esc(column.name)}</a></div>
{_metadata_table(site, doc)}
<div class="article">
<h1>{esc(doc.title)}</h1>
<div class="article-info">发布时间：{doc.published:%Y-%m-%d}　来源：{esc(doc.agency)}　浏览次数：<span id="views">{doc.views}</span>　【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】　<a href="javascript:window.print()">打印本页</a>　<a href="javascript:window.close()">关闭窗口</a></div>
<div class="article-con" id="zoom">
{_editor(site, doc, revision)}
</div>
<div class="share">分享到：<a href="javascript:void(0)" class="wx">微信</a> <a href="javascript:void(0)" class="wb">微博</a> <a href="javascript:void(0)" class="qzone">QQ空间</a></div>
{_related(world, site, doc)}
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
        docs = world.documents_on(day, site.id, column.key)[:6]
        items = "".join(
            f'<li><a href="{doc.path}" title="{esc(doc.title)}" target="_blank">{esc(doc.title)}</a><span>{doc.published:%m-%d}</span></li>'
            for doc in docs
        )
        blocks.append(f'<div class="index-box"><h3><a href="{list_url(column, 0, site)}">{esc(column.name)}</a><a class="more" href="{list_url(column, 0, site)}">更多&gt;&gt;</a></h3><ul>{items}</ul></div>')
    page_html = _head(site, site.name) + _header(site) + '<div class="main w1200">\n' + "\n".join(blocks) + "\n</div>\n" + _footer(site)
    return encode_page(site, page_html)


def route(world: World, site: Site, day: int, path: str) -> Response | None:
    """Answer a GET for a TRS path, or None if nothing lives there."""
    if path in ("/", "/index.html"):
        return home_page(world, site, day)
    match = LIST_PAGE.match(path)
    if match:
        if match["ext"] != site.page_ext:
            return None
        number = int(match["page"] or 0)
        if site.page_style == "index1":
            if number == 1:
                return None
            number = max(number - 1, 0)
        for column in site.columns:
            if column.key == match["column"]:
                return list_page(world, site, column, day, number)
        return None
    doc = world.document_at(site.id, path)
    if doc is not None and doc.exists_on(day):
        return detail_page(world, site, doc, day)
    return None



def doc_path(site: Site, column: Column, doc_id: int, published) -> str:
    """/<column>/<yyyymm>/t<yyyymmdd>_<id>.html (or .shtml)"""
    return f"/{column.key}/{published:%Y%m}/t{published:%Y%m%d}_{doc_id}.{site.page_ext}"


def attachment_target(site: Site, doc_id: int, ext: str, column: Column | None = None, published=None) -> str:
    """TRS files sit beside the page: ./P0<yyyymmdd><digits>.<ext>"""
    return f"/{column.key}/{published:%Y%m}/P0{published:%Y%m%d}{doc_id % 1000000:06d}{doc_id * 7 % 100000:05d}.{ext}"


# ---------------------------------------------------------------- the walk (wjw simweb check)

TRS_PAGER = re.compile(r'createPageHTML\((\d+),\s*(\d+),\s*"index",\s*"(s?html)"\)')
TRS_ITEM = re.compile(r'<li><a href="(\./\d{6}/t\d{8}_\d+\.s?html)"')


def walk_list(site: Site, column: dict, walk: SiteWalk) -> list[str]:
    """The reference reading of a TRS list: index.html, then index_N as createPageHTML counts (0- or 1-based)."""
    url, text = first_list_text(site, column, walk)
    if text is None:
        return []
    pager = TRS_PAGER.search(text)
    if not pager:
        walk.problems.append(f"{url}: no createPageHTML")
        return []
    pages, current, ext = int(pager[1]), int(pager[2]), pager[3]
    one_based = current == 1
    found = [urljoin(url, h) for h in TRS_ITEM.findall(text)]
    while (current < pages) if one_based else (current + 1 < pages):
        page_url = urljoin(url, f"index_{current + 1}.{ext}")
        text = get_text(page_url, site.body_encoding, walk)
        if text is None:
            break
        found += [urljoin(page_url, h) for h in TRS_ITEM.findall(text)]
        current = int(TRS_PAGER.search(text)[2])
    return found
