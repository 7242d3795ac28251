"""Optional browser rendering, for sites a plain HTTP client cannot read.

Some commissions answer every plain request with a JavaScript challenge
(瑞数's 412, 加速乐's 521) or build their lists with script. Registry rows
mark such sites `render: true`; `wjw run --render` then sends their pages
through a real Chromium (scrapy-playwright), and everything else stays plain
HTTP. Off by default: a browser is slow, heavy, and fetches a page's scripts.

What the browser returns is kept as follows, and the WARC's metadata record
says which (`"rendered"`):

- `dom`: an HTML page, as the browser's DOM once any challenge has cleared,
  serialised in the charset the browser read it in (so it decodes as the
  page did). It is not the bytes the server sent: scripts have run.
- `raw`: anything not HTML (a list endpoint's JSON or XML, a PDF, a 304 to
  a conditional revisit), as the server sent it; a browser would wrap it in
  its own viewer markup, or fail on a 304 for a page it has not cached.
- `download`: a file the browser itself downloaded, as sent (a fallback:
  documents that are files are normally fetched raw).

The status and headers recorded are those of the last document the browser
loaded, so a challenge that clears is recorded as the page behind it, and one
that never clears keeps its 412 or 521 and is counted as blocked.

Chromium comes from the operating system (Debian: `apt-get install chromium`),
never from Playwright's own download.
"""

from __future__ import annotations

import asyncio
import codecs
from dataclasses import dataclass
from typing import Any

from scrapy import Request, Spider
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached

from archive.extract.blocking import blocked_reason

# As the machine's own probe starts Chromium: no sandbox (containers run as
# root), no GPU, and none of the background traffic to Google that a closed
# network refuses many times a second.
LAUNCH_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
)

# Resources a challenge or a script-built list never needs; not fetching them
# keeps a rendered page to about the requests a plain crawl makes.
SKIPPED_RESOURCES = frozenset({"image", "media", "font", "stylesheet"})

# How long a page may take to clear its challenge (reloads included) before it
# counts as blocked; the WJW_RENDER_SETTLE_S setting overrides it.
SETTLE_SECONDS = 15.0


def render_settings(executable: str, user_agent: str, pages: int, timeout_s: float) -> dict[str, Any]:
    """Scrapy settings that route requests marked `playwright` through Chromium; the rest stay plain."""
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": executable, "headless": True, "args": list(LAUNCH_ARGS),
                                      "timeout": int(timeout_s * 1000)},
        # The page's own scripts see the same honest User-Agent the requests send.
        "PLAYWRIGHT_CONTEXTS": {"default": {"user_agent": user_agent, "locale": "zh-CN"}},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": max(1, pages),
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(timeout_s * 1000),
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": "spiders.render.browser_headers",
        "PLAYWRIGHT_ABORT_REQUEST": "spiders.render.skip_resource",
    }


async def browser_headers(*, browser_type_name: str, playwright_request: Any, scrapy_request_data: dict) -> dict[str, str]:
    """The browser's own headers for a page's scripts and XHR (its cookies included), with our User-Agent.

    scrapy-playwright's default would send Scrapy's headers on navigations,
    dropping the clearance cookie a challenge script just set; documents are
    fetched by `RenderState` anyway, with the spider's conditional headers.
    """
    headers = await playwright_request.all_headers()
    user_agent = scrapy_request_data["headers"].get("User-Agent")
    if user_agent:
        headers["user-agent"] = user_agent.decode("latin-1")
    return headers


def skip_resource(playwright_request: Any) -> bool:
    """Abort images, fonts, media and stylesheets."""
    return playwright_request.resource_type in SKIPPED_RESOURCES


@dataclass(frozen=True)
class _Navigation:
    """A document the page's main frame loaded."""

    url: str
    status: int
    headers: dict[str, str]


class RenderState:
    """One rendered request's view of its page: the documents it loaded and what to keep.

    Lives in the request's meta; scrapy-playwright calls `watch` before the
    navigation and `settle` (a page method) after it.

    Every document the page's main frame asks for is fetched by us, through
    the page's browser context (its cookies, so a cleared challenge counts),
    and handed to the browser only when it is HTML: a challenge then runs its
    script and reloads, and a page builds its DOM. Anything else (a PDF, a
    list endpoint's JSON) is kept as the bytes the server sent, and a 304 to
    a conditional revisit is an answer rather than the net::ERR_ABORTED a
    browser gives for a page it has not cached.
    """

    def __init__(self, settle_s: float = SETTLE_SECONDS, timeout_s: float = 30.0, maxsize: int = 0) -> None:
        self.settle_s = settle_s
        self.timeout_s = timeout_s
        self.maxsize = maxsize
        self._reset()

    def _reset(self) -> None:
        """Forget the last attempt (a retried request carries the same state)."""
        self.navigations: list[_Navigation] = []
        self.raw: bytes | None = None
        self.charset: str | None = None
        self.failure: Exception | None = None
        self.oversize = False

    async def watch(self, page: Any, request: Request) -> None:
        """Route the page's main-frame documents through `_fetch` before the navigation starts."""
        self._reset()
        first = {"method": request.method, "headers": {}}
        for name in ("If-None-Match", "If-Modified-Since", "Referer", "Content-Type"):
            if request.headers.get(name):
                first["headers"][name.lower()] = request.headers[name].decode("latin-1")
        if request.body:
            first["post_data"] = request.body
        user_agent = request.headers.get("User-Agent", b"").decode("latin-1")
        pending = [first]

        async def handle(route: Any, document: Any) -> None:
            if not (document.is_navigation_request() and document.frame == page.main_frame):
                await route.fallback()
                return
            # The spider's method, body and conditional headers go with the first document only.
            extra = pending.pop() if pending else {"headers": {}}
            headers = {**await document.all_headers(), **extra.pop("headers")}
            if user_agent:
                headers["user-agent"] = user_agent
            await self._fetch(route, headers, **extra)

        await page.route("**/*", handle)

    async def _fetch(self, route: Any, headers: dict[str, str], **kwargs: Any) -> None:
        from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415 - only with rendering on

        try:
            response = await route.fetch(headers=headers, timeout=self.timeout_s * 1000, **kwargs)
        except PlaywrightError as exc:
            # Fail the navigation now (it would otherwise wait out its timeout), keeping why it failed.
            self.failure = network_error(str(exc))
            await route.abort("failed")
            return
        navigation = _Navigation(response.url, response.status, dict(response.headers))
        self.navigations.append(navigation)
        body = b"" if response.status == 304 else await response.body()
        if self.maxsize and len(body) > self.maxsize:
            # The browser cannot stop a body midway as Scrapy does; it is refused once it has arrived.
            self.oversize = True
            self.raw = None
            await route.fulfill(status=200, body="", content_type="text/html")
            return
        if response.status != 304 and _is_html(navigation.headers.get("content-type", "")) and not _is_file(body):
            self.raw = None
            await route.fulfill(response=response)
            return
        self.raw = body
        await route.fulfill(status=200, body="", content_type="text/html")

    async def settle(self, page: Any) -> None:
        """Wait until the page is no longer a challenge, or SETTLE_SECONDS pass."""
        from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415 - only with rendering on

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle_s
        while True:
            try:
                await page.wait_for_load_state("load", timeout=max(1.0, deadline - loop.time()) * 1000)
                html = await page.content()
            except PlaywrightError:  # the challenge script navigated away mid-read
                html = None
            if html is not None and blocked_reason(200, html.encode("utf-8")) is None:
                self.charset = await page.evaluate("document.characterSet")
                return
            if loop.time() >= deadline:
                return  # still a challenge: its status (412, 521) says blocked
            await asyncio.sleep(0.25)

    @property
    def final(self) -> _Navigation | None:
        """The last document the page loaded."""
        return self.navigations[-1] if self.navigations else None


def network_error(message: str) -> Exception:
    """The Scrapy exception for a browser-side fetch failure, so retries and skip reasons treat it as a plain one."""
    text = message.lower()
    if "econnrefused" in text or "connection_refused" in text:
        return DownloadConnectionRefusedError(message)
    if "enotfound" in text or "eai_again" in text or "name_not_resolved" in text:
        return CannotResolveHostError(message)
    if "timeout" in text or "timed out" in text or "timed_out" in text:
        return DownloadTimeoutError(message)
    if "redirect" in text:
        return IgnoreRequest(f"redirect loop: {message}")
    return DownloadFailedError(message)


def failure_of(request: Request, exception: BaseException) -> BaseException:
    """What really failed: for a rendered request, the fetch behind the browser's generic navigation error."""
    state = request.meta.get("wjw_render")
    return state.failure if isinstance(state, RenderState) and state.failure is not None else exception


def _is_html(content_type: str) -> bool:
    """Whether a document is a page the browser builds a DOM for (no type at all counts as HTML)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("", "text/html", "application/xhtml+xml")


def _is_file(body: bytes) -> bool:
    """Whether a body is a file (PDF, DOC/DOCX, XLS/XLSX, WPS, OFD, RTF, ZIP, or any binary) whatever its Content-Type says.

    The attachment sniffer decides by leading bytes, as the archive will when it reads the file.
    """
    from archive.extract.attachments import sniff_kind  # noqa: PLC0415 - only for rendered documents

    return sniff_kind(body) not in ("html", "unknown") or b"\x00" in body[:1024]


def render_meta(settle_s: float = SETTLE_SECONDS, timeout_s: float = 30.0, maxsize: int = 0) -> dict[str, Any]:
    """Request meta that sends a request through the browser (a fresh state per request)."""
    from scrapy_playwright.page import PageMethod  # noqa: PLC0415 - only with rendering on

    state = RenderState(settle_s, timeout_s, maxsize)
    return {
        "playwright": True,
        "playwright_page_init_callback": state.watch,
        "playwright_page_methods": [PageMethod(state.settle)],
        "wjw_render": state,
    }


class RenderedResponseMiddleware:
    """Turn what scrapy-playwright returns into the response of the document the browser ended on.

    Sits just outside the download handler (above the WARC capture), so the
    WARC, the retry middleware and the spider all see the final status, and
    the capture metadata says how the body was obtained.

    robots.txt goes through the browser too: a site that challenges every
    plain request challenges that one as well, and a challenge page read as
    robots.txt would allow everything.
    """

    def process_request(self, request: Request, spider: Spider) -> None:
        """Send the robots.txt request Scrapy makes itself through the browser, like the spider's own."""
        if "wjw_render" not in request.meta and urlparse_cached(request).path == "/robots.txt":
            request.meta.update(spider.rendered({}))

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        """Replace the first navigation's status with the last one's, and fix the body's encoding."""
        state: RenderState | None = request.meta.get("wjw_render")
        if state is None or "playwright" not in response.flags:
            return response
        if state.oversize:
            raise IgnoreRequest(f"{request.url}: body larger than DOWNLOAD_MAXSIZE ({state.maxsize} bytes)")
        if "playwright_suggested_filename" in request.meta:
            request.meta["wjw_rendered"] = "download"
            return response
        final = state.final
        if final is None:
            request.meta["wjw_rendered"] = "dom"
            return response
        headers = _kept_headers(final.headers)
        if state.raw is not None:
            body, kind, encoding = state.raw, "raw", None
        else:
            body, encoding = _encode_dom(response.text, state.charset)
            kind = "dom"
            if encoding == "utf-8" and not _declares(headers, state.charset):
                headers["Content-Type"] = "text/html; charset=utf-8"
        request.meta["wjw_rendered"] = kind
        cls = responsetypes.from_args(headers=headers, url=final.url, body=body)
        extra = {"encoding": encoding} if encoding and issubclass(cls, TextResponse) else {}
        return cls(url=final.url, status=final.status, headers=headers, body=body, request=request,
                   flags=response.flags, ip_address=response.ip_address, **extra)


def _kept_headers(headers: dict[str, str]) -> Headers:
    """A document's headers without those that described the bytes on the wire."""
    return Headers({k: v for k, v in headers.items()
                    if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")})


def _encode_dom(text: str, charset: str | None) -> tuple[bytes, str]:
    """The DOM in the charset the browser read the page in, so the capture decodes as the page did.

    A GBK page stays GBK bytes under its own Content-Type and <meta>; a
    character the charset cannot hold (a script may add one) becomes a
    numeric reference. An unknown charset falls back to UTF-8.
    """
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        codec = "utf-8"
    return text.encode(codec, errors="xmlcharrefreplace"), codec


def _declares(headers: Headers, charset: str | None) -> bool:
    """Whether the Content-Type header already names the charset the DOM is written in."""
    declared = headers.get("Content-Type", b"").decode("latin-1").lower()
    return bool(charset) and f"charset={charset.lower()}" in declared.replace(" ", "").replace('"', "")
