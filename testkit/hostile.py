"""A hostile commission site on loopback, for the fault suite (never shipped, never on a public address).

    with HostileSite() as site:
        job = CrawlJob(site=Site.from_dict(site.registry_row()), ...)
        ...  # crawl it; then compare with site.truth()

One column list page (family `generic`) links eleven entries, each titled as a
work plan, whose detail pages are:

| slug | what the server sends |
| --- | --- |
| `bomb` | `Content-Encoding: gzip`, ~1 MB on the wire inflating to 1 GiB of zeros |
| `random` | random bytes as `text/html` |
| `pdf` | a real PDF (reportlab) as the detail page, labelled `text/html` |
| `utf16` | a real plan page in UTF-16-LE without a BOM, no charset in the header: **a plan** |
| `nested` | 100 000 nested `<div>`s around nothing |
| `endless` | a chunked body that never ends, until the client hangs up |
| `offsite` | 302 to the same path on 127.0.0.2 (a second listener that counts what reaches it) |
| `metadata` | 302 to http://169.254.169.254/latest/meta-data/ (nothing listens; nothing may try) |
| `huge` | a 60 MB HTML page, chunked, no Content-Length |
| `healthy-utf8`, `healthy-gbk` | ordinary plan pages: **plans** |

The gzip bomb is compressed once per size and cached in the temp folder; the
endless and huge bodies are generated as they are sent, so the server itself
stays small.
"""

from __future__ import annotations

import hashlib
import html
import os
import random
import struct
import tempfile
import threading
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from simweb.attachments import pdf_of

SITE_ID = "hostile-wjw"
HOST = "127.0.0.1"
OFFSITE_HOST = "127.0.0.2"
METADATA_URL = "http://169.254.169.254/latest/meta-data/"
LIST_PATH = "/tzgg/index.html"
BOMB_BYTES = 1 << 30
HUGE_BYTES = 60 * 1024 * 1024
NESTED_DEPTH = 100_000
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Entry:
    """One list entry: its slug (the detail page's name), title, date and what its page is."""

    slug: str
    title: str
    date: str
    kind: str
    is_plan: bool = False


ENTRIES = (
    Entry("bomb", "2024年卫生健康工作要点", "2024-03-11", "gzip_bomb"),
    Entry("random", "2024年疾病预防控制工作要点", "2024-03-08", "random_bytes"),
    Entry("pdf", "2024年妇幼健康工作要点", "2024-03-06", "pdf_as_page"),
    Entry("utf16", "2024年医政医管工作要点", "2024-03-05", "utf16le_no_bom", is_plan=True),
    Entry("nested", "2024年卫生应急工作要点", "2024-03-04", "nested_divs"),
    Entry("endless", "2024年基层卫生健康工作要点", "2024-03-01", "endless_body"),
    Entry("offsite", "2024年老龄健康工作要点", "2024-02-28", "offsite_redirect"),
    Entry("metadata", "2024年职业健康工作要点", "2024-02-27", "private_redirect"),
    Entry("huge", "2024年中医药工作要点", "2024-02-26", "huge_page"),
    Entry("healthy-utf8", "2024年全市卫生健康工作计划", "2024-02-23", "healthy", is_plan=True),
    Entry("healthy-gbk", "2024年爱国卫生工作要点", "2024-02-21", "healthy", is_plan=True),
)

AGENCY = "测试市卫生健康委员会"


def plan_paragraphs(entry: Entry) -> list[str]:
    """The body of a real plan page: what its archived text must say."""
    topic = entry.title.removeprefix("2024年").removesuffix("工作要点").removesuffix("工作计划")
    return [
        f"为深入推进健康测试市建设，做好2024年{topic}工作，结合本市实际，制定本要点。",
        f"一、总体要求。以人民健康为中心，坚持预防为主，统筹推进{topic}各项任务，确保全年目标如期完成。",
        f"二、重点任务。（一）完善{topic}服务体系，推动优质资源扩容下沉和区域均衡布局。"
        f"（二）加强{topic}人才队伍建设，落实培训和考核制度。（三）强化信息化支撑，推进数据互联互通。",
        f"三、保障措施。各区卫生健康行政部门要加强组织领导，明确责任分工，"
        f"于2024年12月底前将{topic}工作落实情况报送市卫生健康委员会。",
    ]


def plan_page(entry: Entry, charset: str) -> str:
    """A plain commission detail page: title, date line, paragraphs, a footer."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in plan_paragraphs(entry))
    return f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{html.escape(entry.title)}_{AGENCY}</title></head>
<body><div class="header"><a href="/">首页</a> <a href="{LIST_PATH}">通知公告</a></div>
<div class="article"><h1>{html.escape(entry.title)}</h1>
<div class="info">发布时间：{entry.date} 来源：{AGENCY}</div>
<div class="content">
{body}
</div></div>
<div class="footer">版权所有：{AGENCY}</div></body></html>"""


def list_page(base_url: str) -> bytes:
    items = "\n".join(f'<li><a href="/art/2024/{e.slug}.html" title="{html.escape(e.title)}">'
                      f"{html.escape(e.title)}</a><span>{e.date}</span></li>" for e in ENTRIES)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>通知公告_{AGENCY}</title></head>
<body><div class="nav"><ul><li><a href="/">首页</a></li><li><a href="{LIST_PATH}">通知公告</a></li></ul></div>
<ul class="list">
{items}
</ul></body></html>""".encode()


def gzip_bomb(inflated: int = BOMB_BYTES) -> Path:
    """A gzip stream of `inflated` zero bytes (a multiple of 1 MiB), made once in about a second and cached.

    After a full flush deflate starts afresh, so every further MiB of zeros
    compresses to the same bytes: the stream is the first MiB's output, that
    block repeated, an empty final block and the gzip trailer (CRC-32 and size).
    """
    block = 1 << 20
    if inflated % block:
        raise ValueError(f"bomb size {inflated} is not a multiple of {block}")
    path = Path(tempfile.gettempdir()) / f"wjw-hostile-bomb-{inflated}.gz"
    if path.exists():
        return path
    zeros = bytes(block)
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(inflated // block):
        crc = zlib.crc32(zeros, crc)
    staged = path.with_suffix(f".{os.getpid()}.part")
    with staged.open("wb") as out:
        out.write(first)
        for _ in range(inflated // block - 1):
            out.write(repeated)
        # A final, empty fixed-Huffman block, then CRC-32 and the size mod 2**32.
        out.write(b"\x03\x00" + struct.pack("<II", crc, inflated & 0xFFFFFFFF))
    staged.replace(path)
    return path


def small_pdf(entry: Entry) -> bytes:
    """A real one-page PDF holding the entry's title and text, written as simweb writes its attachments."""
    return pdf_of(entry.title, [(14, [entry.title]), (10, [p[:40] for p in plan_paragraphs(entry)])])


class HostileSite:
    """The hostile site on 127.0.0.1 and its offsite neighbour on 127.0.0.2, each on a free port."""

    def __init__(self, *, bomb_bytes: int = BOMB_BYTES, huge_bytes: int = HUGE_BYTES) -> None:
        self.bomb_bytes = bomb_bytes
        self.huge_bytes = huge_bytes
        self.offsite_hits: list[str] = []  # paths requested of 127.0.0.2: must stay empty
        self.requests: list[str] = []
        self._servers: list[ThreadingHTTPServer] = []
        self._bomb: Path | None = None
        self._pdf = small_pdf(next(e for e in ENTRIES if e.slug == "pdf"))

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self._servers[0].server_address[1]}/"

    @property
    def offsite_url(self) -> str:
        return f"http://{OFFSITE_HOST}:{self._servers[1].server_address[1]}/"

    def __enter__(self) -> HostileSite:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        """Build the bomb (cached) and start both listeners in daemon threads."""
        self._bomb = gzip_bomb(self.bomb_bytes)
        for host, handler in ((HOST, _site_handler(self)), (OFFSITE_HOST, _offsite_handler(self))):
            server = ThreadingHTTPServer((host, 0), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, name=f"hostile-{host}", daemon=True).start()
            self._servers.append(server)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def registry_row(self) -> dict[str, Any]:
        """The site's registry row (family generic, plain crawl)."""
        return {
            "id": SITE_ID, "name": AGENCY, "level": "city", "region_code": "420100", "province": "湖北省",
            "city": "武汉市", "base_url": self.base_url, "cms": "generic", "render": False,
            "columns": [{"name": "通知公告", "url": self.base_url + LIST_PATH.lstrip("/")}],
            "notes": ["testkit/hostile.py: bombs, files, garbage, endless bodies and redirects off the site"],
        }

    def url_of(self, entry: Entry) -> str:
        return f"{self.base_url}art/2024/{entry.slug}.html"

    def truth(self) -> list[dict[str, Any]]:
        """Every listed entry: URL, title, kind, whether it is a real plan, and a plan's expected text."""
        rows = []
        for entry in ENTRIES:
            text = "\n".join(plan_paragraphs(entry)) if entry.is_plan else None
            rows.append({
                "url": self.url_of(entry), "site_id": SITE_ID, "title": entry.title, "published": entry.date,
                "kind": entry.kind, "is_plan": entry.is_plan, "text": text,
                "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None,
            })
        return rows

    # What each detail page sends; `send` writes the whole exchange.
    def detail(self, slug: str, send: _Sender) -> None:
        entry = next((e for e in ENTRIES if e.slug == slug), None)
        if entry is None:
            send.whole(404, b"not found", "text/plain")
        elif slug == "bomb":
            send.file(self._bomb, "text/html; charset=utf-8", encoding="gzip")
        elif slug == "random":
            send.whole(200, random.Random(13).randbytes(200_000), "text/html")
        elif slug == "pdf":
            send.whole(200, self._pdf, "text/html; charset=utf-8")
        elif slug == "utf16":
            # No BOM, no charset in the header; only the (UTF-16) meta tag says what it is.
            send.whole(200, plan_page(entry, "utf-16le").encode("utf-16-le"), "text/html")
        elif slug == "nested":
            page = "<html><head><title>%s</title></head><body>%s%s</body></html>" % (
                html.escape(entry.title), "<div>" * NESTED_DEPTH, "</div>" * NESTED_DEPTH)
            send.whole(200, page.encode(), "text/html; charset=utf-8")
        elif slug == "endless":
            send.chunked(_endless_paragraphs(), "text/html; charset=utf-8")
        elif slug == "offsite":
            send.redirect(f"{self.offsite_url}art/2024/{slug}.html")
        elif slug == "metadata":
            send.redirect(METADATA_URL)
        elif slug == "huge":
            send.chunked(_huge_page(entry, self.huge_bytes), "text/html; charset=utf-8")
        elif slug == "healthy-gbk":
            send.whole(200, plan_page(entry, "gbk").encode("gbk"), "text/html; charset=GBK")
        else:
            send.whole(200, plan_page(entry, "utf-8").encode(), "text/html; charset=utf-8")


class _Sender:
    """Writes one response on a handler, HTTP/1.1, with Content-Length or chunked."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self.handler = handler

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.handler.send_response(status)
        for name, value in headers.items():
            self.handler.send_header(name, value)
        self.handler.end_headers()

    def whole(self, status: int, body: bytes, content_type: str) -> None:
        self._head(status, {"Content-Type": content_type, "Content-Length": str(len(body))})
        self.handler.wfile.write(body)

    def file(self, path: Path, content_type: str, encoding: str) -> None:
        self._head(200, {"Content-Type": content_type, "Content-Encoding": encoding,
                         "Content-Length": str(path.stat().st_size)})
        with path.open("rb") as source:
            while chunk := source.read(_CHUNK):
                self.handler.wfile.write(chunk)

    def redirect(self, location: str) -> None:
        self._head(302, {"Location": location, "Content-Length": "0"})

    def chunked(self, chunks, content_type: str) -> None:
        self._head(200, {"Content-Type": content_type, "Transfer-Encoding": "chunked"})
        self.handler.close_connection = True
        try:
            for chunk in chunks:
                self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.handler.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what the endless body waits for


def _endless_paragraphs():
    paragraph = ("<p>" + "各级卫生健康部门要持续推进基层卫生健康工作。" * 40 + "</p>\n").encode()
    chunk = paragraph * max(1, _CHUNK // len(paragraph))
    yield b"<html><head><title>2024</title></head><body>"
    while True:
        yield chunk


def _huge_page(entry: Entry, size: int):
    head = f"<html><head><meta charset=\"utf-8\"><title>{html.escape(entry.title)}</title></head><body>".encode()
    paragraph = ("<p>" + "推进中医药传承创新发展，加强中医药服务体系建设。" * 30 + "</p>\n").encode()
    chunk = paragraph * max(1, _CHUNK // len(paragraph))
    yield head
    sent = len(head)
    while sent < size:
        yield chunk
        sent += len(chunk)
    yield b"</body></html>"


def _site_handler(site: HostileSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
            site.requests.append(self.path)
            send = _Sender(self)
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                send.whole(200, b"User-agent: *\nAllow: /\n", "text/plain")
            elif path in ("/", LIST_PATH):
                send.whole(200, list_page(site.base_url), "text/html; charset=utf-8")
            elif path.startswith("/art/2024/") and path.endswith(".html"):
                site.detail(path.removeprefix("/art/2024/").removesuffix(".html"), send)
            else:
                send.whole(404, b"not found", "text/plain")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

    return Handler


def _offsite_handler(site: HostileSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            site.offsite_hits.append(self.path)
            page = plan_page(Entry("offsite", "2024年老龄健康工作要点", "2024-02-28", "offsite"), "utf-8").encode()
            _Sender(self).whole(200, page, "text/html; charset=utf-8")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def inflated_size(path: Path) -> int:
    """How many bytes a gzip file inflates to, streamed (for tests of the bomb itself)."""
    inflate = zlib.decompressobj(wbits=31)
    total = 0
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            total += len(inflate.decompress(chunk, _CHUNK * 16))
            while inflate.unconsumed_tail:
                total += len(inflate.decompress(inflate.unconsumed_tail, _CHUNK * 16))
    return total
