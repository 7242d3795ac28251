"""Extract a document's text and metadata from one captured HTML page.

Government CMSes mark the body of an article with a known container
(TRS ``div.TRS_Editor``, Hanweb ``ZJEG_RSS`` comments, ``#zoom``, ...): each family
declares its own in spiders/platforms/<family>.py (read here from archive/families.json).
When one is present we take the text from it directly: it is exact, where a
generic extractor guesses. Otherwise trafilatura decides what the body is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from archive.extract.attachments import (
    AttachmentText,
    attachment_name,
    is_attachment_url,
)
from archive.extract.clean import DISCLOSURE_LABEL, clean_text, is_spam, normalize_line
from archive.extract.decode import decode_html
from archive.extract.metadata import SIGNING_DATE, parse_metadata
from archive.families import FAMILY_CONTAINERS, Container

# Recorded with each document (the record's extractor.version); bump it when a
# change alters extracted text, so the archive knows which captures to re-extract.
EXTRACTOR_VERSION = "4"


class ExtractionError(ValueError):
    """A page that cannot be read as HTML at all."""


@dataclass(frozen=True)
class AttachmentLink:
    """A file the page links to (附件): its absolute URL and the name the page gives it."""

    url: str
    name: str


@dataclass(frozen=True)
class ExtractedPage:
    """The text and metadata of one page, as extracted from its HTML."""

    url: str
    text: str
    title: str | None
    published: str | None
    written: str | None
    doc_number: str | None
    index_number: str | None
    agency: str | None
    encoding: str
    encoding_source: str
    # Which path produced the text: a CMS container (e.g. "div.TRS_Editor"),
    # "trafilatura", or "baseline" when trafilatura found nothing.
    method: str
    attachments: tuple[AttachmentLink, ...] = ()
    # True when the page is only the letter that carries a document (印发…的通知
    # with 附件): the document's text is then the attachment's, see document_text().
    is_cover_notice: bool = False
    # Where each metadata field came from ("meta:ArticleTitle", "label:成文日期", ...).
    provenance: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The page as a plain JSON-ready dict."""
        record = asdict(self)
        record["attachments"] = [asdict(link) for link in self.attachments]
        record["provenance"] = dict(self.provenance) | {"encoding": self.encoding_source, "text": self.method}
        return record


# Containers of no one family, which portals share; after the families' own (archive/families.json), which are
# more specific: TRS editors sit inside #zoom on many sites.
PORTAL_CONTAINERS: tuple[Container, ...] = (
    Container("#UCAP-CONTENT", "//*[@id='UCAP-CONTENT']"),  # www.gov.cn and ministries
    Container("#xw_box", "//*[@id='xw_box']"),  # www.nhc.gov.cn
    Container("#zoom", "//*[@id='zoom' or @id='Zoom' or @id='ZOOM']"),
    Container("#ivs_content", "//*[@id='ivs_content']"),  # wsjkw.sh.gov.cn
    Container("div.pages_content", "//div[contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]"),
)

# Bodies bracketed by comments (Hanweb's RSS markers) are read from the page's source, before any element.
_BRACKETED = tuple(c for c in FAMILY_CONTAINERS if c.between is not None)
CONTAINERS: tuple[Container, ...] = tuple(c for c in FAMILY_CONTAINERS if c.xpath) + PORTAL_CONTAINERS

# A container with less text than this is a shell filled by JavaScript or an
# attachment-only page; trafilatura gets a chance at the rest of the page.
MIN_CONTAINER_CHARS = 10

# favor_precision measured best on the 26 gold pages of the shared realpages set
# (char-F1 mean 0.980, min 0.918; default 0.969 / 0.600, favor_recall 0.964 / 0.600):
# Chinese news portals append related-article lists the default mode keeps. The
# price is a little recall (ordered recall 0.976 against 0.986 for the default).
TRAFILATURA_OPTIONS = {
    "output_format": "txt",
    "include_tables": True,
    "include_comments": False,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
    "favor_precision": True,
    "favor_recall": False,
}

_MARKDOWN_RULE = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+$")
_MARKDOWN_CELL = re.compile(r"(?<!\\)\|")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def extract_page(
    body: bytes, url: str, headers: Mapping[str, str] | None = None, site_agency: str | None = None
) -> ExtractedPage:
    """Decode, extract and clean one HTML page, and parse its metadata fields.

    ``site_agency`` is the agency that runs the site (the registry's name): it
    qualifies a bare department named as the source (来源：办公室).
    """
    if not body or not body.strip():
        raise ExtractionError(f"{url}: empty response body, nothing to extract")
    decoded = decode_html(body, _header(headers, "content-type"))
    html = _CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", decoded.text, count=1))
    tree = parse_html(html, url)
    prune_invisible(tree)

    # Metadata reads the whole page (its 信息公开 table holds the fields); the text
    # comes from a copy without that table and without lists of links to other pages.
    body_tree = parse_html(html, url)
    prune_invisible(body_tree)
    prune_non_body(body_tree)
    raw_text, method = _container_text(html, body_tree)
    if raw_text is None:
        raw_text, method = _trafilatura_text(body_tree, url)

    metadata = parse_metadata(tree, raw_text, url, site_agency=site_agency)
    text = clean_text(raw_text, metadata.title)
    text, method = _densest_if_little(body_tree, text, method, metadata.title)
    attachments = attachment_links(tree, url)
    return ExtractedPage(
        url=url,
        text=text,
        title=metadata.title,
        published=metadata.published,
        written=metadata.written,
        doc_number=metadata.doc_number,
        index_number=metadata.index_number,
        agency=metadata.agency,
        encoding=decoded.encoding,
        encoding_source=decoded.source,
        method=method,
        attachments=attachments,
        is_cover_notice=is_cover_notice(metadata.title, text, attachments),
        provenance=metadata.provenance,
    )


def document_text(page: ExtractedPage, attachments: Sequence[AttachmentText]) -> tuple[str, str]:
    """The document's text and its source: the attachments' for a cover notice, else the page's.

    The source is "page", or "attachment:<url>[ <url>…]" naming the files the text came from.
    """
    readable = [attachment for attachment in attachments if attachment.text.strip()]
    if not page.is_cover_notice or not readable:
        return page.text, "page"
    # A cover notice lists its attachments in order (附件1, 附件2); keep the page's order.
    order = {link.url: index for index, link in enumerate(page.attachments)}
    readable.sort(key=lambda attachment: order.get(attachment.url, len(order)))
    text = "\n".join(attachment.text for attachment in readable)
    return text, "attachment:" + " ".join(attachment.url for attachment in readable)


def attachment_links(tree: lxml.html.HtmlElement, url: str) -> tuple[AttachmentLink, ...]:
    """Links to document files (.pdf .doc .docx .wps .xls …) on the page, outside its header and footer."""
    links: dict[str, AttachmentLink] = {}
    for anchor in tree.xpath("//body//a[@href]"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        name = _squash_space(anchor.text_content()) or _squash_space(anchor.get("title") or "")
        if not is_attachment_url(href, name) or _in_page_chrome(anchor):
            continue
        absolute = urljoin(url, href)
        if absolute not in links:
            links[absolute] = AttachmentLink(absolute, attachment_name(absolute, name))
    return tuple(links.values())


# A cover notice: "关于印发《2021年工作要点》的通知", short, pointing at its 附件.
_COVER_TITLE = re.compile(r"(?:印发|转发|下发|公布|发布).{0,80}(?:通知|函)")
_ATTACHMENT_MENTION = re.compile(r"附件\s*\d*\s*[:：]?|(?:见|详见)附件|附后")
# Longer than this, the page carries the document itself after its cover letter.
MAX_COVER_CHARS = 600


# What may follow a letter's signing date and still be part of the letter.
_LETTER_TAIL = re.compile(r"^[（(]?此件[^）)]*[）)]?$|^附件|^抄送|^抄报|^[（(]?联系人")
# More than this after the signing date is the document itself, printed under its letter.
MAX_LETTER_TAIL_CHARS = 40


def is_cover_notice(title: str | None, text: str, attachments: Sequence[AttachmentLink]) -> bool:
    """True when a page is only the letter that issues an attached document."""
    if not attachments or not _COVER_TITLE.search(re.sub(r"\s+", "", title or "")):
        return False
    body = re.sub(r"\s", "", text)
    if len(body) > MAX_COVER_CHARS:
        return False
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    signed = [index for index, line in enumerate(lines) if SIGNING_DATE.fullmatch(line)]
    if signed:
        tail = "".join(line for line in lines[signed[-1] + 1:] if not _LETTER_TAIL.match(line))
        if len(tail) > MAX_LETTER_TAIL_CHARS:
            return False
    return bool(_ATTACHMENT_MENTION.search(text)) or len(body) < 200


_CHROME_CONTAINER = re.compile(r"(?:^|[\s_-])(?:footer|foot|bottom|header|top|nav|menu|copyright|link|links|friend)"
                               r"(?:$|[\s_-])", re.IGNORECASE)


def _in_page_chrome(element: lxml.html.HtmlElement) -> bool:
    """True inside a header, footer or navigation block (site-wide links, not the page's attachments)."""
    for ancestor in element.iterancestors():
        if ancestor.tag in ("header", "footer", "nav"):
            return True
        marks = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if _CHROME_CONTAINER.search(marks):
            return True
    return False


def _squash_space(text: str) -> str:
    return re.sub(r"[\s\u00a0\u3000]+", " ", text).strip()


def parse_html(html: str, url: str) -> lxml.html.HtmlElement:
    """Parse decoded HTML into an lxml tree; raise ExtractionError naming the URL if impossible."""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as error:
        raise ExtractionError(f"{url}: not parseable as HTML ({error})") from error
    _adopt_stray_siblings(root)
    return root


def _adopt_stray_siblings(root: lxml.html.HtmlElement) -> None:
    """Move elements libxml2 left after a stray </html> (www.gov.cn's header include has one) into <body>.

    Left there, they are siblings of the root: XPath finds them, but serializing
    the tree or walking <body> loses them, and with them the article.
    """
    strays = []
    sibling = root.getnext()
    while sibling is not None:
        strays.append(sibling)
        sibling = sibling.getnext()
    elements = [stray for stray in strays if isinstance(stray.tag, str)]
    if not elements:
        return
    body = root.find("body")
    if body is None:
        body = lxml.html.Element("body")
        root.append(body)
    for element in elements:
        # libxml2 wraps them in a second <html> (and <body>): only what is inside moves.
        inner = element.find("body") if element.tag == "html" else None
        for part in list(inner if inner is not None else element) if element.tag == "html" else [element]:
            body.append(part)


def render_text(element: lxml.html.HtmlElement) -> str:
    """Readable text of an element: one line per paragraph, table rows as tab-separated cells."""
    writer = _LineWriter()
    _render(element, writer)
    writer.break_line()
    return "\n".join(writer.lines)


def _container_text(html: str, tree: lxml.html.HtmlElement) -> tuple[str | None, str]:
    """Text of the first CMS body container that holds real text."""
    for bracketed in _BRACKETED:
        match = bracketed.between.search(html)
        if match:
            fragment = lxml.html.fragment_fromstring(match.group(1), create_parent="div")
            prune_invisible(fragment)
            prune_non_body(fragment)
            text = render_text(fragment)
            if _enough(text):
                return text, bracketed.name
    for container in CONTAINERS:
        found = tree.xpath(container.xpath)
        # TRS nests TRS_Editor divs; the outermost holds the whole body.
        outermost = [element for element in found if not any(a in found for a in element.iterancestors())]
        texts = sorted((render_text(element) for element in outermost), key=len, reverse=True)
        if texts and _enough(texts[0]):
            return texts[0], container.name
    return None, ""


def _trafilatura_text(tree: lxml.html.HtmlElement, url: str) -> tuple[str, str]:
    """Body text chosen by trafilatura, or its baseline extractor if that finds nothing."""
    # Imported here: most commission pages are read from their CMS container, and trafilatura
    # costs 0.7 s of start-up to every process (`wjw extract`, each task) that never needs it.
    import trafilatura

    # trafilatura gets the pruned page as a string: its own parsing of a string scored
    # better on the gold pages (readability qq: 0.958 against 0.907 for the tree handed over).
    wrap_loose_runs(tree)
    html = lxml.html.tostring(tree, encoding="unicode")
    text = trafilatura.extract(html, url=url, **TRAFILATURA_OPTIONS)
    if text and text.strip():
        return _tab_separated_tables(text), "trafilatura"
    _, text, _ = trafilatura.baseline(html)
    return text or "", "baseline"


# Ways pages hide text from readers while leaving it in the HTML: hidden styles,
# zero-size fonts and boxes, and text pushed off-screen (the trick of injected spam).
_INVISIBLE_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em)?\s*(?:;|$)"
    r"|(?:left|top|text-indent)\s*:\s*-\d{3,}|(?:height|width)\s*:\s*[01](?:px)?\s*;.*overflow\s*:\s*hidden"
    r"|overflow\s*:\s*hidden\s*;.*(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$)",
    re.IGNORECASE,
)


def prune_invisible(root: lxml.html.HtmlElement) -> None:
    """Drop what a reader never sees (hidden elements) and injected spam links, in place."""
    doomed = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "body", "head"):
            continue
        hidden = element.get("hidden") is not None or _INVISIBLE_STYLE.search(element.get("style", ""))
        if hidden or (element.tag == "a" and is_spam(f"{element.text_content()} {element.get('title', '')}")):
            doomed.append(element)
    for element in doomed:
        # drop_tree keeps the tail: the body text after an injected link stays in place.
        if element.getparent() is not None:
            element.drop_tree()


# ---------------------------------------------------------------- blocks that are never the body


# A disclosure table holds short values only; a longer cell is body text in a layout table.
_MAX_DISCLOSURE_CELL = 300
_MAX_DISCLOSURE_TEXT = 1500
# A block of links to other pages: at least this many links making up most of its text.
_MIN_LIST_LINKS = 3
_MIN_LINK_SHARE = 0.7
_MAX_LINK_LIST_TEXT = 3000
# The heading of such a block ("相关文章", "工作动态") is a short text just before it.
_MAX_LIST_HEADING = 10
_LIST_BLOCKS = ("ul", "ol", "dl", "table", "div", "section", "aside")


def prune_non_body(root: lxml.html.HtmlElement) -> None:
    """Drop, in place, the 信息公开 metadata tables and the lists of links to other pages."""
    unwrap_layout_tables(root)
    tables = [element for element in root.iter(*_LIST_BLOCKS) if _is_disclosure_block(element)]
    lists = [element for element in root.iter(*_LIST_BLOCKS) if element not in tables and _is_link_list(element)]
    headings = [element.getprevious() for element in lists if _is_list_heading(element.getprevious())]
    for element in tables + lists + headings:
        _drop(element)


# Inline elements that hold a paragraph's text when Word's HTML left it outside any <p>.
_INLINE = frozenset({"font", "span", "b", "strong", "em", "i", "u", "sup", "sub", "small", "big"})
_BLOCK_DESCENDANTS = ".//p | .//div | .//table | .//ul | .//ol | .//dl | .//h1 | .//h2 | .//h3 | .//h4 | .//br"
_MIN_LOOSE_RUN = 20
_SENTENCE_MARK = re.compile(r"[，。；！？]")


def wrap_loose_runs(root: lxml.html.HtmlElement) -> None:
    """Wrap, in place, each run of inline text that sits beside paragraphs but outside them in a <p>.

    Pages pasted from Word close a <span> before the paragraph does, which leaves
    the rest of the paragraph in a <font> beside the <p> elements; trafilatura
    reads paragraphs and drops such runs (14 lines of one old portal's interview).
    """
    parents = {p.getparent() for p in root.iter("p") if p.getparent() is not None}
    for parent in parents:
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag not in _INLINE or child.xpath(_BLOCK_DESCENDANTS):
                continue
            # Prose only: a sidebar's headings and captions are inline runs too, but not sentences.
            text = re.sub(r"\s", "", child.text_content())
            if len(text) < _MIN_LOOSE_RUN or not _SENTENCE_MARK.search(text):
                continue
            wrapper = lxml.html.Element("p")
            child.addprevious(wrapper)
            wrapper.append(child)


# A table is page layout, not data, when a cell holds a table, a long text or several paragraphs.
_MAX_DATA_CELL = 300
_MAX_DATA_CELL_BLOCKS = 3
_CELL_BLOCKS = ("p", "div", "br", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table")
_TABLE_PARTS = ("table", "tbody", "thead", "tfoot", "tr", "td", "th")


def unwrap_layout_tables(root: lxml.html.HtmlElement) -> None:
    """Turn layout tables into plain blocks, in place, so their cells read as paragraphs.

    Old portals lay whole pages out in tables; extractors read a table cell as
    one line, which joins an article's paragraphs (or loses them with the row).
    """
    layouts = [table for table in root.iter("table") if _is_layout_table(table)]
    # A data table nested in a layout cell keeps its rows: only each layout table's own parts change.
    own_parts = [part for table in layouts for part in table.iter(*_TABLE_PARTS[1:])
                 if _nearest_table(part) is table]
    for part in layouts + own_parts:
        part.tag = "div"


def _nearest_table(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    return next(element.iterancestors("table"), None)


def _is_layout_table(table: lxml.html.HtmlElement) -> bool:
    for cell in table.xpath("./tr/td | ./tr/th | ./*/tr/td | ./*/tr/th"):
        if cell.find(".//table") is not None:
            return True
        if len(re.sub(r"\s", "", cell.text_content())) > _MAX_DATA_CELL:
            return True
        if len(cell.xpath(" | ".join(f".//{tag}" for tag in _CELL_BLOCKS))) >= _MAX_DATA_CELL_BLOCKS:
            return True
    return False


def _drop(element: lxml.html.HtmlElement | None) -> None:
    # Ancestors go first, so a descendant may already be gone; drop_tree keeps the tail text.
    if element is not None and element.getparent() is not None:
        element.drop_tree()


def _is_disclosure_block(element: lxml.html.HtmlElement) -> bool:
    """A table or list of catalogue fields (索引号 / 发布机构 / 标题 …), each a label then a short value."""
    if element.tag == "table":
        cells = element.xpath("./tr/td | ./tr/th | ./*/tr/td | ./*/tr/th")
    else:
        cells = [child for child in element if isinstance(child.tag, str)]
    texts = [_squash_space(cell.text_content()) for cell in cells]
    texts = [text for text in texts if text]
    if len(texts) < 2 or any(len(text) > _MAX_DISCLOSURE_CELL for text in texts):
        return False
    if sum(map(len, texts)) > _MAX_DISCLOSURE_TEXT:
        return False
    labels = sum(1 for text in texts if DISCLOSURE_LABEL.match(text))
    # Label and value in separate cells make half the cells labels; "label：value" cells, all of them.
    return labels >= 2 and labels * 2 >= len(texts) - 1


def _is_link_list(element: lxml.html.HtmlElement) -> bool:
    """A block that is mostly links to other pages (related articles, a column's latest items)."""
    anchors = [anchor for anchor in element.iter("a")
               if not is_attachment_url(anchor.get("href") or "", anchor.text_content())]
    if len(anchors) < _MIN_LIST_LINKS:
        return False
    total = len(re.sub(r"\s", "", element.text_content()))
    if not total or total > _MAX_LINK_LIST_TEXT:
        return False
    linked = sum(len(re.sub(r"\s", "", anchor.text_content())) for anchor in anchors)
    return linked >= _MIN_LINK_SHARE * total


def _is_list_heading(element: lxml.html.HtmlElement | None) -> bool:
    if element is None or not isinstance(element.tag, str) or element.tag in ("table", "ul", "ol"):
        return False
    text = _squash_space(element.text_content())
    return 0 < len(text) <= _MAX_LIST_HEADING and not re.search(r"[。，；：:、\d]", text)


# ---------------------------------------------------------------- the densest block


# Less body text than this after extraction, and old table layouts have usually lost it.
MIN_BODY_CHARS = 200
# The densest block replaces the text only when it holds this many times more.
_DENSER_BY = 3
_DENSITY_HOLDERS = frozenset({"td", "div", "article", "section", "main", "center", "body", "form", "font", "span"})


def _densest_if_little(tree: lxml.html.HtmlElement, text: str, method: str, title: str | None) -> tuple[str, str]:
    """The page's densest text block when the extractor kept little, if it holds much more."""
    kept = _visible_chars(text)
    if kept >= MIN_BODY_CHARS:
        return text, method
    block = densest_block(tree)
    if block is None:
        return text, method
    candidate = clean_text(render_text(block), title)
    if _visible_chars(candidate) >= max(_DENSER_BY * kept, MIN_BODY_CHARS):
        return candidate, "densest_block"
    return text, method


def densest_block(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element holding the most text outside links directly (its paragraphs and lines), readability-style.

    Each run of text scores its length for the block that holds it and half for
    that block's parent, so the cell of an old layout that holds the article's
    paragraphs wins over the page body that holds everything.
    """
    scores: dict[lxml.html.HtmlElement, float] = {}
    for node in tree.xpath("//body//text()[not(ancestor::a or ancestor::script or ancestor::style"
                           " or ancestor::noscript or ancestor::select or ancestor::option)]"):
        length = len(re.sub(r"\s", "", node))
        holder = node.getparent()
        if node.is_tail and holder is not None:
            holder = holder.getparent()
        while holder is not None and holder.tag not in _DENSITY_HOLDERS:
            holder = holder.getparent()
        if holder is None or not length:
            continue
        scores[holder] = scores.get(holder, 0.0) + length
        parent = holder.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + length / 2
    return max(scores, key=scores.__getitem__) if scores else None


def _visible_chars(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def _tab_separated_tables(text: str) -> str:
    """Rewrite trafilatura's Markdown-style table rows ("| a | b |") as tab-separated cells."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if _MARKDOWN_RULE.match(stripped):
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            cells = [cell.strip().replace("\\|", "|") for cell in _MARKDOWN_CELL.split(stripped[1:-1])]
            while cells and not cells[-1]:
                cells.pop()
            line = "\t".join(cells)
        lines.append(line)
    return "\n".join(lines)


def _enough(text: str) -> bool:
    return len(re.sub(r"\s", "", text)) >= MIN_CONTAINER_CHARS


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header value looked up case-insensitively."""
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


# Elements whose content a reader never sees as text.
_SKIPPED = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "select", "option",
    "button", "input", "textarea", "head", "title", "meta", "link", "svg", "canvas", "map",
    "audio", "video",
})
_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "h1", "h2",
    "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "center",
    "figure", "figcaption", "address", "form", "fieldset", "legend", "hr", "caption", "details",
    "summary", "tr", "tbody", "thead", "tfoot",
})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# CSS Text 3: a line break in the source between two East Asian wide
# characters renders as nothing, not as a space ("卫生\n健康" reads 卫生健康).
_WIDE = r"\u2e80-\u2fff\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\uff01-\uff60\uffe0-\uffe6"
_CJK_SEGMENT_BREAK = re.compile(rf"(?<=[{_WIDE}])[ \t\r]*\n[ \t\r\n]*(?=[{_WIDE}])")


class _LineWriter:
    """Collects text fragments into lines, breaking where block elements begin and end."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._parts: list[str] = []

    def write(self, text: str | None) -> None:
        if text:
            self._parts.append(text)

    def break_line(self) -> None:
        if self._parts:
            line = normalize_line(_CJK_SEGMENT_BREAK.sub("", "".join(self._parts)).replace("\t", " "))
            if line:
                self.lines.append(line)
            self._parts = []


def _render(element: lxml.html.HtmlElement, writer: _LineWriter) -> None:
    """Write an element's visible text into ``writer``; its tail is the caller's business."""
    tag = element.tag if isinstance(element.tag, str) else None
    if tag is None or tag.lower() in _SKIPPED or _HIDDEN_STYLE.search(element.get("style", "")):
        return
    tag = tag.lower()
    if tag == "br":
        writer.break_line()
        return
    if tag == "table":
        writer.break_line()
        _render_table(element, writer)
        return
    is_block = tag in _BLOCKS
    if is_block:
        writer.break_line()
    writer.write(element.text)
    for child in element:
        _render(child, writer)
        writer.write(child.tail)
    if is_block:
        writer.break_line()


def _render_table(table: lxml.html.HtmlElement, writer: _LineWriter) -> None:
    """Data rows become tab-separated lines; a one-cell layout row is rendered as ordinary blocks."""
    for row in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
        cells = [cell for cell in row if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th")]
        texts = [_cell_text(cell) for cell in cells]
        if sum(1 for text in texts if text) <= 1:
            # Word exports and old CMS templates wrap a whole article in one cell.
            for cell in cells:
                _render(cell, writer)
            writer.break_line()
            continue
        while texts and not texts[-1]:
            texts.pop()
        writer.lines.append("\t".join(texts))
    writer.break_line()


def _cell_text(cell: lxml.html.HtmlElement) -> str:
    """A table cell's text on one line (paragraphs inside a cell joined by spaces)."""
    inner = _LineWriter()
    inner.write(cell.text)
    for child in cell:
        _render(child, inner)
        inner.write(child.tail)
    inner.break_line()
    return " ".join(line.replace("\t", " ") for line in inner.lines)
