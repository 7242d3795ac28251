"""Sites built in layouts no CMS family names: the list mechanics of the real web, one site each.

- **form** — later list pages only by POSTing `form#pageForm` with `pageNo`; the pager's links are
  `javascript:goPage(n)`; a GET asking for `pageNo` gets page 1. List titles are cut with "…".
- **script** — the column page is an empty shell; its script loads the list as JSONP
  `callback({page, count, results: [{title, url, date}]})`. The first column's script names the whole
  data URL; the second builds it piece by piece (the registry row declares it: `list_data`), and its
  replies say `{data: {total, list: [{id, bt, fbsj, lj}]}}`. Some plans are files listed straight, one
  answered as `application/octet-stream`.
- **frame** — the column page frames the list; the framed list has no dates and only 上一页/下一页;
  titles are cut with "..."; some plans are files. Dates are on the detail pages.
- **gbkquery** — a GBK site whose category is a query value in GBK (`list.asp?lb=%CD%A8%D6%AA%B9%AB%B8%E6`);
  its pager writes the hanzi raw; a query in UTF-8 gets an alert page. Titles cut with "…".

Detail pages are the generic portal's. Each site also publishes the lookalikes of its plans (政策解读,
图解, drafts for comment), which the cuts make harder to tell apart on the list.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote, urljoin

from simweb import generic, plain
from simweb.model import Column, Document, Site, World
from simweb.pages import Response, encode_page, esc
from simweb.walk import MAX_LIST_PAGES, SiteWalk, fetch, get_text, linked_pages

SHAPES = ("form", "script", "frame", "gbkquery")
FILE_SHAPES = ("script", "frame")  # sites that list some plans as the file itself
CUT_AT = {"form": (18, "…"), "gbkquery": (18, "…"), "frame": (18, "...")}
API = "/api/doclist.jsp"


def cut_title(site: Site, title: str) -> str:
    """The title as the site's list prints it: cut at a fixed length with its ellipsis, no title attribute."""
    width, mark = CUT_AT.get(site.shape, (0, ""))
    return title[:width] + mark if width and len(title) > width else title


def mechanisms(site: Site, doc: Document) -> list[str]:
    """The mechanics a crawler must handle to reach this document (for per-mechanism recall)."""
    names = [{"form": "form_pager", "script": "script_list", "frame": "frame", "gbkquery": "gbk_query"}[site.shape]]
    if cut_title(site, doc.title) != doc.title:
        names.append("cut_title")
    if is_file(doc):
        names.append("file_plan")
    return names


def is_file(doc: Document) -> bool:
    """Whether the list links the plan's file itself (no page around it)."""
    return doc.attachment is not None and doc.attachment.target == doc.path


def _gbk(text: str) -> str:
    return quote(text, encoding="gbk")


def column_path(column: Column) -> str:
    """What robots.txt names for the column."""
    return f"/list.asp?lb={_gbk(column.key)}" if not column.key.isascii() else f"/{column.key}/"


def list_url(column: Column, page: int = 0, site: Site | None = None) -> str:
    """The column's first list page (the registry's column URL)."""
    if site is not None and site.shape == "form":
        return f"/{column.key}/list.jsp?channelId={column.unit_id}"
    if site is not None and site.shape == "gbkquery":
        return f"/list.asp?lb={_gbk(column.key)}&page={page + 1}"
    return f"/{column.key}/index.html"


def doc_path(site: Site, column: Column, doc_id: int, published) -> str:
    """Detail URLs: query-named pages (form, frame, GBK) or /<column>/content_<id>.html (script)."""
    if site.shape == "form":
        return f"/{column.key}/content.jsp?id={doc_id}"
    if site.shape == "gbkquery":
        return f"/show.asp?lb={_gbk(column.key)}&id={doc_id}"
    if site.shape == "frame":
        return f"/{column.key}/view.jsp?id={doc_id}"
    return f"/{column.key}/content_{doc_id}.html"


def attachment_target(site: Site, doc_id: int, ext: str) -> str:
    """Uploads, also where a plan listed as a file lives."""
    return f"/uploadfiles/{doc_id % 89:02d}/{doc_id}.{ext}"


def metadata_shown(site: Site, doc: Document) -> frozenset[str]:
    """A file prints no table; pages print the portal's."""
    return frozenset() if is_file(doc) else plain.metadata_shown(site, doc)


def list_data(site: Site, column: Column, base: str) -> dict | None:
    """The registry's `list_data` for a column whose script builds its data URL piece by piece."""
    if site.shape != "script" or column is site.columns[0]:
        return None
    return {"url": f"{base.rstrip('/')}{API}?channel={column.key}&pageIndex={{page}}&format=json",
            "entries": "data.list", "title": "bt", "link": "lj", "date": "fbsj"}


def _pages(world: World, site: Site, column: Column, day: int) -> list[list[Document]]:
    docs = world.documents_on(day, site.id, column.key)
    size = site.page_size
    return [docs[i:i + size] for i in range(0, len(docs), size)] or [[]]


def _chrome(site: Site, column: Column, inner: str) -> Response:
    page = (plain.head(site, f"{column.name}-{site.name}") + plain.header(site)
            + f'<div class="location">您的位置: <a href="/">首页</a> &gt; {esc(column.section)} &gt; {esc(column.name)}</div>\n'
            + f'<div class="main"><div class="list-title">{esc(column.name)}</div>\n{inner}\n</div>\n' + plain.footer(site))
    return encode_page(site, page)


def _dated_items(site: Site, chunk: list[Document]) -> str:
    return '<ul class="list">' + "".join(
        f'<li><a href="{esc(doc.path)}" target="_blank">{esc(cut_title(site, doc.title))}</a>'
        f'<span class="date">{doc.published:%Y-%m-%d}</span></li>' for doc in chunk) + "</ul>"


def _form_list(site: Site, column: Column, pages: list, number: int) -> Response | None:
    if not 1 <= number <= len(pages):
        return None
    total = len(pages)
    links = " ".join(f'<a href="javascript:goPage({n})">{label}</a>' for n, label in
                     ((1, "首页"), (max(1, number - 1), "上一页"), (min(total, number + 1), "下一页"), (total, "尾页")))
    form = (f'<form id="pageForm" name="pageForm" action="/{column.key}/list.jsp" method="post">'
            f'<input type="hidden" name="channelId" value="{column.unit_id}">'
            f'<input type="hidden" name="pageNo" value="{number}"></form>')
    script = ('<script>function goPage(n){var f=document.getElementById("pageForm");'
              'f.pageNo.value=n;f.submit();}</script>')
    pager = f'<div class="page">共{total}页 当前第{number}页 {links}</div>'
    return _chrome(site, column, _dated_items(site, pages[number - 1]) + form + pager + script)


def _gbk_list(site: Site, column: Column, pages: list, number: int) -> Response | None:
    if not 1 <= number <= len(pages):
        return None
    nav = []
    if number > 1:
        nav.append(f'<a href="list.asp?lb={esc(column.key)}&amp;page={number - 1}">上一页</a>')
    if number < len(pages):
        nav.append(f'<a href="list.asp?lb={esc(column.key)}&amp;page={number + 1}">下一页</a>')
    pager = f'<div class="pages">第{number}页/共{len(pages)}页 {" ".join(nav)}</div>'
    return _chrome(site, column, _dated_items(site, pages[number - 1]) + pager)


def _frame_shell(site: Site, column: Column) -> Response:
    side = ('<div class="side"><h4>热点</h4><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>')
    frame = (f'<iframe id="listFrame" name="listFrame" src="/{column.key}/list_frame.html" width="100%" height="800" '
             'frameborder="0" scrolling="no"></iframe>')
    return _chrome(site, column, side + frame)


def _frame_list(site: Site, column: Column, pages: list, number: int) -> Response | None:
    if not 1 <= number <= len(pages):
        return None
    links = "".join(f'<p><a href="{esc(doc.path)}" target="_parent">{esc(cut_title(site, doc.title))}</a></p>'
                    for doc in pages[number - 1])

    def name(n: int) -> str:
        return "list_frame.html" if n == 1 else f"list_frame_{n}.html"

    nav = [f'<a href="{name(number - 1)}">上一页</a>' if number > 1 else "<span>上一页</span>",
           f'<a href="{name(number + 1)}">下一页</a>' if number < len(pages) else "<span>下一页</span>"]
    page = (f"<!DOCTYPE html>\n<html>\n<head>\n{site.meta_charset}\n<title>{esc(column.name)}</title>\n</head>\n<body>\n"
            f'<div class="files">{links}</div>\n<div class="pages">{" ".join(nav)}</div>\n</body>\n</html>\n')
    return encode_page(site, page)


def _script_shell(site: Site, column: Column) -> Response:
    if column is site.columns[0]:
        script = (f'<script>var listApi = "{API}?channel={column.key}&page=1&callback=jsonpList";\n'
                  '$.ajax({url: listApi, dataType: "jsonp", jsonpCallback: "jsonpList", success: function (d) {'
                  ' render(d.results); }});</script>')
    else:  # the URL is built from pieces: no reading of the script finds it; the registry declares it
        script = (f'<script>var channel = "{column.key}", base = "/api/doclist";\n'
                  'function load(p) { $.getJSON(base + ".jsp?channel=" + channel + "&pageIndex=" + p + "&format=json",'
                  ' function (d) { render(d.data.list); }); }\nload(1);</script>')
    return _chrome(site, column, '<div id="list"><p>正在加载…</p></div><script src="/js/jquery.min.js"></script>' + script)


def _script_data(site: Site, column: Column, pages: list, params: dict[str, str]) -> Response | None:
    first = column is site.columns[0]
    number = params.get("page" if first else "pageIndex", "1")
    if not number.isdigit():
        return None
    chunk = pages[int(number) - 1] if 1 <= int(number) <= len(pages) else []
    total = sum(len(p) for p in pages)
    if first:
        data = {"page": int(number), "count": total, "results": [
            {"docid": d.doc_id, "title": d.title, "url": d.path, "date": f"{d.published:%Y-%m-%d}"} for d in chunk]}
        body = f"{params.get('callback') or 'callback'}({json.dumps(data, ensure_ascii=False)});"
        return Response(200, body.encode("utf-8"), "application/javascript; charset=utf-8")
    data = {"code": 0, "data": {"total": total, "list": [
        {"id": d.doc_id, "bt": d.title, "fbsj": f"{d.published:%Y年%m月%d日}", "lj": d.path} for d in chunk]}}
    return Response(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


def _alert(site: Site) -> Response:
    """What the GBK site answers a query it cannot read: a script alert, status 200."""
    page = (f"<!DOCTYPE html>\n<html>\n<head>\n{site.meta_charset}\n<title>提示</title>\n</head>\n<body>\n"
            "<script>alert('参数错误！');history.back();</script>\n</body>\n</html>\n")
    return encode_page(site, page)


def _column(site: Site, key: str | None) -> Column | None:
    return next((c for c in site.columns if c.key == key), None)


def route(world: World, site: Site, day: int, method: str, path: str, params: dict[str, str]) -> Response | None:
    """Answer a request for a mechanics site's path, or None if nothing lives there."""
    if path in ("/", "/index.html"):
        return generic.home_page(world, site, day) if method == "GET" else None
    page = _list_or_data(world, site, day, method, path, params)
    if page is not None:
        return page
    doc = _document(world, site, path, params)
    if doc is None and site.shape == "gbkquery" and path == "/show.asp":
        return _alert(site)
    if doc is not None and doc.exists_on(day) and method == "GET":
        return generic.portal_detail(world, site, doc, day)
    return None


def _list_or_data(world: World, site: Site, day: int, method: str, path: str, params: dict[str, str]) -> Response | None:
    if site.shape == "gbkquery" and path == "/list.asp":
        column = _column(site, params.get("lb"))
        number = params.get("page", "1")
        if column is None or not number.isdigit():
            return _alert(site)
        return _gbk_list(site, column, _pages(world, site, column, day), int(number))
    if site.shape == "script" and path == API:
        column = _column(site, params.get("channel"))
        return _script_data(site, column, _pages(world, site, column, day), params) if column else None
    parts = path.strip("/").split("/")
    column = _column(site, parts[0]) if len(parts) == 2 else None
    if column is None:
        return None
    if site.shape == "form" and parts[1] == "list.jsp" and params.get("channelId") == str(column.unit_id):
        # Only the form's POST turns the page: a GET is always page 1, whatever it asks.
        number = params.get("pageNo", "1") if method == "POST" else "1"
        return _form_list(site, column, _pages(world, site, column, day), int(number)) if number.isdigit() else None
    if method != "GET":
        return None
    if parts[1] == "index.html" and site.shape in ("frame", "script"):
        return (_frame_shell if site.shape == "frame" else _script_shell)(site, column)
    if site.shape == "frame" and parts[1].startswith("list_frame"):
        number = parts[1].removeprefix("list_frame").removeprefix("_").removesuffix(".html") or "1"
        if number.isdigit() and number != "1":
            return _frame_list(site, column, _pages(world, site, column, day), int(number))
        return _frame_list(site, column, _pages(world, site, column, day), 1) if parts[1] == "list_frame.html" else None
    return None


def _document(world: World, site: Site, path: str, params: dict[str, str]) -> Document | None:
    """The document a detail URL names; query-named details are found again from their parameters."""
    if site.shape == "gbkquery" and path == "/show.asp":
        column = _column(site, params.get("lb"))
        if column is None or not params.get("id", "").isdigit():
            return None
        return world.document_at(site.id, f"/show.asp?lb={_gbk(column.key)}&id={params['id']}")
    if path.endswith((".jsp",)) and params.get("id", "").isdigit():
        return world.document_at(site.id, f"{path}?id={params['id']}")
    return world.document_at(site.id, path)


# ---------------------------------------------------------------- the walk (wjw simweb check)

MECHANIC_ITEM = re.compile(r'<(?:li|p)><a href="(/[^"]+)" target="_(?:blank|parent)">')
FORM_PAGES = re.compile(r"共(\d+)页")
FRAME_SRC = re.compile(r'<iframe id="listFrame" name="listFrame" src="([^"]+)"')
LIST_API = re.compile(r'var listApi = "([^"]+)"')
JSONP_BODY = re.compile(r"^\w+\((.*)\);$", re.DOTALL)
_LINKED = linked_pages(generic.GENERIC_NEXT, MECHANIC_ITEM)
# The pager writes the hanzi raw: ask in GBK, as the site reads it.
_LINKED_GBK = linked_pages(generic.GENERIC_NEXT, MECHANIC_ITEM, lambda href: quote(href, safe=":/?&=%", encoding="gbk"))


def walk_list(site: Site, column: dict, walk: SiteWalk) -> list[str]:
    """The reference reading of a site of list mechanics, one shape each."""
    url = column["url"]
    if site.shape == "form":
        return _walk_form(site, url, walk)
    if site.shape == "gbkquery":
        return _LINKED_GBK(site, column, walk)
    if site.shape == "frame":
        text = get_text(url, site.body_encoding, walk)
        return _LINKED(site, {"url": urljoin(url, FRAME_SRC.search(text)[1])}, walk) if text else []
    return _walk_script(site, column, walk)


def _walk_form(site: Site, url: str, walk: SiteWalk) -> list[str]:
    text = get_text(url, site.body_encoding, walk)
    if text is None:
        return []
    found = [urljoin(url, html.unescape(h)) for h in MECHANIC_ITEM.findall(text)]
    channel = url.rsplit("=", 1)[1]
    for number in range(2, int(FORM_PAGES.search(text)[1]) + 1):
        got = fetch(url.split("?")[0], data=f"channelId={channel}&pageNo={number}".encode())
        found += [urljoin(url, html.unescape(h)) for h in MECHANIC_ITEM.findall(got.body.decode(site.body_encoding))]
    return found


def _walk_script(site: Site, column: dict, walk: SiteWalk) -> list[str]:
    url = column["url"]
    declared = column.get("list_data")
    text = None if declared else get_text(url, site.body_encoding, walk)
    first = declared["url"].replace("{page}", "1") if declared else urljoin(url, LIST_API.search(text or "")[1])
    found: list[str] = []
    for number in range(1, MAX_LIST_PAGES):
        page_url = first.replace("page=1&", f"page={number}&").replace("pageIndex=1&", f"pageIndex={number}&")
        body = get_text(page_url, "utf-8", walk)
        data = json.loads(JSONP_BODY.match(body)[1] if body and not declared else body or "{}")
        items = data["data"]["list"] if declared else data["results"]
        if not items:
            break
        found += [urljoin(url, item["lj" if declared else "url"]) for item in items]
    return found
