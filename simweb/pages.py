"""Pieces every simulated CMS family shares: responses, dates, robots.txt, 404 pages."""

from __future__ import annotations

import html
import posixpath
from dataclasses import dataclass
from datetime import date, datetime

from simweb.model import Document, Paragraph, Site


@dataclass(frozen=True)
class Response:
    """What a simulated server answers, before HTTP framing."""

    status: int
    body: bytes
    content_type: str
    last_modified: datetime | None = None  # naive China Standard Time
    headers: tuple[tuple[str, str], ...] = ()  # extra headers: Location, Retry-After, Set-Cookie, Content-Encoding
    behaviour: str | None = None  # how the server misbehaves while sending: timeout | slow_body | truncated_body


def esc(text: str) -> str:
    """Escape text for HTML content and attributes."""
    return html.escape(text, quote=True)


def encode_page(site: Site, page: str, status: int = 200, last_modified: datetime | None = None) -> Response:
    """Encode an HTML page the way the site serves it (TRS sites in GBK, often unlabelled in the header; some headers lie)."""
    body = page.encode(site.body_encoding, "xmlcharrefreplace")
    content_type = "text/html" + (f"; charset={site.header_charset}" if site.header_charset else "")
    return Response(status, body, content_type, last_modified)


def table_date(site: Site, day: date) -> str:
    """A date as the site's metadata table writes it."""
    if site.date_style == "cn_padded":
        return f"{day.year}年{day.month:02d}月{day.day:02d}日"
    if site.date_style == "cn":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def relative(target: str, page: str) -> str:
    """A link from one page's path to another, written relatively as TRS templates do."""
    rel = posixpath.relpath(target, posixpath.dirname(page))
    return rel if rel.startswith("../") else "./" + rel


def robots_txt(site: Site, column_paths: list[tuple[str, bool]]) -> Response:
    """robots.txt: search is off limits everywhere, and some sites fence off a column they still link."""
    lines = ["User-agent: *"]
    lines += ["Disallow: /jrobot/", "Disallow: /module/search/"] if site.cms == "hanweb" else ["Disallow: /search/"]
    lines += [f"Disallow: {path}" for path, disallowed in column_paths if disallowed]
    lines += [f"Allow: {path}" for path, disallowed in column_paths if not disallowed]
    return Response(200, ("\n".join(lines) + "\n").encode("ascii"), "text/plain")


def not_found(site: Site) -> Response:
    """The site's 404 page."""
    charset = site.body_encoding
    page = (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n<title>404 页面不存在</title>\n</head>\n'
        f'<body>\n<div class="error"><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除。</p>'
        f'<p><a href="/">返回{esc(site.name)}首页</a></p></div>\n</body>\n</html>\n'
    )
    return encode_page(site, page, status=404)


def footer_lines(site: Site) -> list[str]:
    """The footer every page of the site carries, as separate lines of HTML."""
    return [
        '<a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | <a href="/mzsm/">免责声明</a>',
        f"版权所有：{esc(site.name)}　主办：{esc(site.name)}",
        f"技术支持：{esc(site.tech_support)}",
        f'<a href="https://beian.miit.gov.cn/" target="_blank">{esc(site.icp)}</a>　'
        f'<a href="http://www.beian.gov.cn/portal/registerSystemInfo" target="_blank">{esc(site.police_record)}</a>　'
        f"网站标识码：{site.site_code}",
    ]


def attachment_href(site: Site, doc: Document) -> str:
    """How the document page links its attachment: TRS relative to the page, the others from the root."""
    if site.cms == "trs":
        return relative(doc.attachment.target, doc.path)
    return doc.attachment.target


def paragraphs_html(site: Site, doc: Document, paragraphs: tuple[Paragraph, ...], render) -> str:
    """Render a body: `render` draws ordinary paragraphs; task-table rows become one table, attachments a link."""
    out: list[str] = []
    rows: list[str] = []
    for paragraph in paragraphs:
        if paragraph.role == "row":
            cells = paragraph.text.split("\t")
            tag = "th" if not rows else "td"
            rows.append("<tr>" + "".join(f"<{tag}>{esc(cell)}</{tag}>" for cell in cells) + "</tr>")
            continue
        if rows:
            out.append('<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse;width:100%">' + "".join(rows) + "</table>")
            rows = []
        if paragraph.role == "attachment" and doc.attachment:
            out.append(f'<p><a href="{esc(attachment_href(site, doc))}" target="_blank">{esc(paragraph.text)}</a></p>')
        else:
            out.append(render(paragraph))
    if rows:
        out.append('<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse;width:100%">' + "".join(rows) + "</table>")
    return "\n".join(out)


# What a 政府信息公开 table prints besides 发布机构 and 发布日期: the fields the ground truth claims only where shown.
TABLE_FIELDS = frozenset({"written", "doc_number", "index_number"})


def standard_meta(site: Site, doc: Document, column_name: str, modified: datetime) -> str:
    """The GB/T 42147 metadata <meta> tags a government page carries."""
    return (
        f'<meta name="SiteName" content="{esc(site.name)}">\n'
        f'<meta name="SiteDomain" content="{site.domain}">\n'
        f'<meta name="SiteIDCode" content="{site.site_code}">\n'
        f'<meta name="ColumnName" content="{esc(column_name)}">\n'
        f'<meta name="ArticleTitle" content="{esc(doc.title)}">\n'
        f'<meta name="PubDate" content="{doc.published:%Y-%m-%d %H:%M}">\n'
        f'<meta name="ContentSource" content="{esc(doc.agency)}">\n'
        f'<meta name="Maketime" content="{modified:%Y-%m-%d %H:%M:%S}">\n'
    )
