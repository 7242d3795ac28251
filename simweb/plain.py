"""Page chrome shared by the families without a CMS-specific template: jpaas, gkmlpt, VSB and the generic sites."""

from __future__ import annotations

from simweb.model import Column, Document, Paragraph, Site, World
from simweb.pages import TABLE_FIELDS, Response, encode_page, esc, footer_lines, paragraphs_html, standard_meta, table_date

NAV = (("/", "首页"), ("/zwgk/", "政务公开"), ("/xwzx/", "新闻中心"), ("/bsfw/", "办事服务"), ("/hdjl/", "互动交流"))


def head(site: Site, title: str, extra_meta: str = "", scripts: str = "") -> str:
    """<head> with the site's charset declaration (which may lie)."""
    return (f"<!DOCTYPE html>\n<html>\n<head>\n{site.meta_charset}\n<title>{esc(title)}</title>\n"
            f"{extra_meta}<link rel=\"stylesheet\" href=\"/css/style.css\">\n{scripts}</head>\n<body>\n")


def header(site: Site) -> str:
    """Top bar, logo, search box and navigation."""
    nav = "".join(f'<li><a href="{href}">{name}</a></li>' for href, name in NAV)
    return (f'<div class="top"><span>欢迎访问{esc(site.name)}</span><a href="javascript:void(0)">无障碍</a> <a href="javascript:void(0)">长者模式</a></div>\n'
            f'<div class="header"><a href="/" class="logo"><img src="/images/logo.png" alt="{esc(site.name)}"></a>'
            f'<form action="/search/" method="get"><input name="q" type="text"><button>搜索</button></form></div>\n<ul class="nav">{nav}</ul>\n')


def footer(site: Site) -> str:
    """The footer every page carries."""
    lines = "".join(f"<p>{line}</p>\n" for line in footer_lines(site))
    return f'<div class="footer">\n{lines}</div>\n</body>\n</html>\n'


def location(column: Column, list_href: str, tail: str = "") -> str:
    """The breadcrumb line."""
    return (f'<div class="location">您的位置：<a href="/">首页</a> &gt; {esc(column.section)} &gt; '
            f'<a href="{list_href}">{esc(column.name)}</a>{tail}</div>\n')


def metadata_shown(site: Site, doc: Document) -> frozenset[str]:
    """The fields `metadata_table` prints: all of them, or none when the page has no table (nothing to index or number)."""
    return TABLE_FIELDS if doc.index_number or doc.doc_number else frozenset()


def metadata_table(site: Site, doc: Document) -> str:
    """The 政府信息公开 table: 索引号, 发布机构, 成文日期, 文号."""
    if not metadata_shown(site, doc):
        return ""
    written = table_date(site, doc.written) if doc.written else ""
    return ('<table class="gkxx" border="0">'
            f"<tr><td>索引号：</td><td>{esc(doc.index_number or '')}</td><td>分类：</td><td>卫生健康</td></tr>"
            f"<tr><td>发布机构：</td><td>{esc(doc.agency)}</td><td>成文日期：</td><td>{written}</td></tr>"
            f"<tr><td>名称：</td><td colspan=\"3\">{esc(doc.title)}</td></tr>"
            f"<tr><td>文号：</td><td>{esc(doc.doc_number or '')}</td><td>发布日期：</td><td>{table_date(site, doc.published.date())}</td></tr>"
            "</table>\n")


def render_paragraph(paragraph: Paragraph) -> str:
    """One paragraph of a plain CMS body."""
    text, role = paragraph
    if role == "title":
        return f'<p style="text-align:center"><strong>{esc(text)}</strong></p>'
    if role == "signature":
        return f'<p style="text-align:right">{esc(text)}</p>'
    if role == "heading":
        return f"<p><strong>{esc(text)}</strong></p>"
    return f'<p style="text-indent:2em">{esc(text)}</p>'


def detail_page(world: World, site: Site, doc: Document, day: int, list_href: str, info: str) -> Response:
    """A document page: breadcrumbs, metadata table, title, an info line, the body, the footer."""
    column = site.column(doc.column)
    revision = doc.revision_on(day)
    body = paragraphs_html(site, doc, revision.paragraphs, render_paragraph)
    page = (
        head(site, f"{doc.title}-{site.name}", standard_meta(site, doc, column.name, revision.modified))
        + header(site)
        + location(column, list_href, " &gt; 正文")
        + metadata_table(site, doc)
        + f'<div class="article">\n<h1 class="title">{esc(doc.title)}</h1>\n<div class="info">{info}</div>\n'
        + f'<div class="content" id="zoom">\n{body}\n</div>\n'
        + '<div class="tools"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>\n</div>\n'
        + footer(site)
    )
    return encode_page(site, page, last_modified=revision.modified)


def info_line(site: Site, doc: Document) -> str:
    """发布时间/来源/浏览次数 as the page writes them."""
    return (f"发布时间：{table_date(site, doc.published.date())}　来源：{esc(doc.agency)}　浏览次数：{doc.views}　"
            '【字体：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a>】')
