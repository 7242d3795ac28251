"""Pieces shared by both CMS families: responses, dates, robots.txt, 404 pages."""

from __future__ import annotations

import html
import posixpath
from dataclasses import dataclass
from datetime import date, datetime

from simweb.model import Site


@dataclass(frozen=True)
class Response:
    """What a simulated server answers, before HTTP framing."""

    status: int
    body: bytes
    content_type: str
    last_modified: datetime | None = None  # naive China Standard Time


def esc(text: str) -> str:
    """Escape text for HTML content and attributes."""
    return html.escape(text, quote=True)


def encode_page(site: Site, page: str, status: int = 200, last_modified: datetime | None = None) -> Response:
    """Encode an HTML page the way the site serves it (TRS sites in GBK, often unlabelled in the header)."""
    if site.cms == "trs":
        body = page.encode("gbk")
    else:
        body = page.encode("utf-8")
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
    charset = "gbk" if site.cms == "trs" else "utf-8"
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
