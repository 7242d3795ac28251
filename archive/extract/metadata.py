"""Read a page's metadata fields: title, dates, 文号, 索引号 and the publishing agency.

One ``_parse_<field>(tree, text, url)`` function per field, so a site whose
layout differs touches one function. ``tree`` is the whole page, ``text`` the
extracted body before cleaning (it may still hold the 信息公开 table), ``url``
the page's address. Sources are tried from most to least explicit: CMS
``<meta>`` tags, labelled values (索引号：…), then patterns in the text.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import lxml.html

from archive.extract import dates as _dates
from archive.extract.clean import METADATA_LABELS, spaced_label


class Found(NamedTuple):
    """A field's value and where on the page it was found (None, None when the page does not say)."""

    value: Any
    source: str | None


NOT_FOUND = Found(None, None)


@dataclass(frozen=True)
class PageMetadata:
    """The metadata fields of one page; None where the page does not say."""

    title: str | None
    published: str | None
    written: str | None
    doc_number: str | None
    index_number: str | None
    agency: str | None
    # Where each field's value came from, e.g. {"title": "meta:ArticleTitle", "written": "label:成文日期"}.
    provenance: Mapping[str, str] = field(default_factory=dict)


def parse_metadata(
    tree: lxml.html.HtmlElement, text: str, url: str, site_agency: str | None = None
) -> PageMetadata:
    """Every metadata field of a page, each from its own parser.

    ``site_agency`` (the agency running the site) qualifies a bare department
    given as the source: 来源：办公室 on a commission's site is that commission's office.
    """
    agency = _parse_agency(tree, text, url)
    if agency.value and site_agency and is_bare_department(agency.value):
        agency = Found(qualified_department(agency.value, site_agency), f"{agency.source}+site")
    found = {
        "title": _parse_title(tree, text, url),
        "published": _parse_published(tree, text, url),
        "written": _parse_written(tree, text, url),
        "doc_number": _parse_doc_number(tree, text, url),
        "index_number": _parse_index_number(tree, text, url),
        "agency": agency,
    }
    return PageMetadata(
        **{name: result.value for name, result in found.items()},
        provenance={name: result.source for name, result in found.items() if result.source},
    )


def _first(sources: Iterable[tuple[str, Callable[[], Any]]], convert: Callable[[Any], Any]) -> Found:
    """The first source whose raw value converts to something, with that source's name."""
    for name, source in sources:
        value = convert(source())
        if value:
            return Found(value, name)
    return NOT_FOUND


# ---------------------------------------------------------------- the fields


def _parse_title(tree: lxml.html.HtmlElement, text: str, url: str) -> Found:
    """The title as plain text: CMSes leave markup in it (标题<div>——副标题</div>), a reader sees none."""
    found = _title_source(tree, text, url)
    if not found.value:
        return found
    return Found(plain_title(found.value), found.source)


_MARKUP = re.compile(r"</?[A-Za-z][^<>]*>|&lt;/?[A-Za-z][^<>]*?&gt;")


def plain_title(title: str) -> str:
    """A title with any HTML tags and entities it carries turned into the text they show."""
    if "<" in title or "&" in title:
        title = html_lib.unescape(_MARKUP.sub("", title))
        title = _MARKUP.sub("", title)
    # Templates pad numbers in <title> ("调整2007　年末"); the heading reads 2007年末.
    return _DIGIT_PADDING.sub("", _squash(title))


_DIGIT_PADDING = re.compile(r"(?<=\d) (?=[年月日号])")


def _title_source(tree: lxml.html.HtmlElement, text: str, url: str) -> Found:
    """ArticleTitle meta, else a heading that the <title> confirms, else <title> minus the site name.

    A page with neither <title> nor meta tags (a 信息公开 detail page rendered
    without its head) names its document in the disclosure table's 标题 cell.
    """
    title = _meta_content(tree, "ArticleTitle")
    if title:
        return Found(title, "meta:ArticleTitle")
    page_title = _squash(" ".join(tree.xpath("//head/title//text()"))) or None
    if not page_title:
        labelled = _labelled_value(tree, ("标题", "文件名称", "信息名称", "题名"))
        if labelled and len(labelled) >= 4:
            return Found(labelled, "label:标题")
    headings = _heading_candidates(tree)
    # A heading found inside <title> is the title without the site name; one equal
    # to the whole <title> is just a copy of it (share widgets) and proves nothing.
    confirmed = [heading for heading in headings if page_title and heading in page_title and heading != page_title]
    if confirmed:
        return Found(max(confirmed, key=len), "heading+title")
    stripped = strip_site_name(page_title) if page_title else None
    articles = [heading for heading in headings if not _is_site_name(heading, tree)]
    if articles and (not stripped or _is_site_name(stripped, tree)):
        return Found(articles[0], "heading")
    if stripped:
        return Found(stripped, "title")
    return Found(articles[0], "heading") if articles else NOT_FOUND


def _parse_published(tree: lxml.html.HtmlElement, text: str, url: str) -> Found:
    """PubDate-style meta, a 发布日期 label, a date standing alone, the URL, then htmldate."""
    found = _first((
        ("meta:PubDate", lambda: _meta_content(tree, "PubDate", "firstpublishedtime", "publishdate",
                                               "article:published_time")),
        ("label:发布日期", lambda: _labelled_value(tree, ("发布日期", "发布时间", "公开日期", "日期"),
                                                   skip_link_lists=True)),
        ("text:发布日期", lambda: _labelled_text_value(text, ("发布日期", "发布时间", "日期"))),
        ("standalone_date", lambda: _standalone_date(tree)),
    ), parse_date)
    if found.value:
        return found
    return _first((("url", lambda: _url_date(url)), ("htmldate", lambda: _htmldate(tree, url))), parse_date)


def _parse_written(tree: lxml.html.HtmlElement, text: str, url: str) -> Found:
    """成文日期 from the metadata table, else the signing date under the issuing agency's name."""
    found = _first((
        ("label:成文日期", lambda: _labelled_value(tree, ("成文日期", "成文时间", "发文日期"))),
        ("text:成文日期", lambda: _labelled_text_value(text, ("成文日期", "成文时间", "发文日期"))),
    ), parse_date)
    if found.value:
        return found
    # A notice signs its cover letter with the agency, then "2019年7月9日", each on its own line.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for previous, line in zip(lines, lines[1:], strict=False):
        if _SIGNING_DATE.fullmatch(line) and _AGENCY_SUFFIX.search(previous):
            date = parse_date(line)
            if date:
                return Found(date, "signature")
    return NOT_FOUND


def _parse_doc_number(tree: lxml.html.HtmlElement, text: str, url: str) -> Found:
    """文号 (杭卫发〔2019〕12号) from the metadata table, else from a line of its own near the top."""
    found = _first((
        ("label:文号", lambda: _labelled_value(tree, ("发文字号", "文号", "文件编号", "发文文号"))),
        ("text:文号", lambda: _labelled_text_value(text, ("发文字号", "文号", "文件编号"))),
    ), _doc_number_in)
    if found.value:
        return found
    for line in text.splitlines()[:DOC_NUMBER_LINES]:
        line = line.strip()
        match = DOC_NUMBER.search(line)
        # A 文号 line holds the number alone; longer lines merely cite other documents.
        if match and len(line) - len(match.group(0)) <= 4:
            return Found(normalize_doc_number(match.group(0)), "text:line")
    return NOT_FOUND


def _parse_index_number(tree: lxml.html.HtmlElement, text: str, url: str) -> Found:
    """索引号 (00248984X/2020-17492) from the metadata table or a labelled line."""
    return _first((
        ("label:索引号", lambda: _labelled_value(tree, ("索引号",))),
        ("text:索引号", lambda: _labelled_text_value(text, ("索引号",))),
    ), _index_number_in)


def _parse_agency(tree: lxml.html.HtmlElement, text: str, url: str) -> Found:
    """发布机构 from the metadata table, else ContentSource meta, else a 来源 label."""
    return _first((
        ("label:发布机构", lambda: _labelled_value(tree, ("发布机构", "发文机关", "发文单位"))),
        ("text:发布机构", lambda: _labelled_text_value(text, ("发布机构", "发文机关"))),
        ("meta:ContentSource", lambda: _meta_content(tree, "ContentSource")),
        ("label:来源", lambda: _labelled_value(tree, ("信息来源", "文章来源", "来源"))),
    ), _agency_name)


# A department of an agency, named without the agency: 办公室, 规划发展与信息化处, 医政医管科, 医政司.
_DEPARTMENT_SUFFIX = re.compile(r"(?:办公室|办公厅|处|科|股|室|司)$")
# Words that make a name an issuer of its own: a place, a level of government, an agency.
_ISSUER_WORDS = re.compile(r"委员会|委|政府|厅|局|部|院|省|市|县|区|州|盟|旗|镇|乡|国家|中国|中华|全国")


def is_bare_department(name: str) -> bool:
    """True for a department label that names no agency (办公室), False for 杭州市卫生健康委员会办公室."""
    match = _DEPARTMENT_SUFFIX.search(name)
    return bool(match) and len(name) <= 16 and not _ISSUER_WORDS.search(name[: match.start()])


def qualified_department(name: str, agency: str) -> str:
    """The department as part of its agency: 办公室 of 郑州市卫生健康委员会 is 郑州市卫生健康委员会办公室."""
    agency = agency.strip()
    return agency if agency.endswith(name) else agency + name


def _doc_number_in(value: str | None) -> str | None:
    match = DOC_NUMBER.search(value or "")
    return normalize_doc_number(match.group(0)) if match else None


def _index_number_in(value: str | None) -> str | None:
    match = _INDEX_NUMBER.search(value or "")
    return match.group(0) if match and any(char.isdigit() for char in match.group(0)) else None


def normalize_doc_number(number: str) -> str:
    """A 文号 as printed, without the spaces templates put inside it."""
    return re.sub(r"[\s\u00a0\u3000]+", "", number)


# ---------------------------------------------------------------- dates


# The signing date of a letter, on a line of its own (public: extract.is_cover_notice reads it too).
SIGNING_DATE = _SIGNING_DATE = _dates.SIGNING_DATE
_DATE = _dates.DATE
parse_date = _dates.parse_date
_iso = _dates.iso_date
_AGENCY_SUFFIX = re.compile(r"(?:委员会|人民政府|政府|办公室|办公厅|小组|中心|委|局|厅|院|处|所|站|会)$")
_TRS_URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+\.s?html?")
# What may surround a date that stands alone: brackets, a time, a weekday.
_DATE_DECORATION = re.compile(
    r"[\s\[\]【】()（）:：|]|\d{1,2}:\d{2}(?::\d{2})?|星期[一二三四五六日天]|发布|日期|时间"
)


_PAGE_LABELS_AFTER = re.compile(
    r"(?<![\u4e00-\u9fff])(?:来源|信息来源|文章来源|作者|编辑|责任编辑|浏览次数|点击数|阅读次数|字号|字体)\s*[:：].*$"
)


def _standalone_date(tree: lxml.html.HtmlElement) -> str | None:
    """The first text that is nothing but a date ("( 2022-04-26)", "[ 2021-03-15 ]"), outside lists of links."""
    for node in _visible_text_nodes(tree):
        text = unicodedata.normalize("NFKC", node.text)
        if not (_DATE.search(text) or _dates.CHINESE_DATE.search(text)):
            continue
        # The date may share its line with the page's other labels: "2005年08月16日　来源：新华网".
        text = _PAGE_LABELS_AFTER.sub("", text)
        if _DATE_DECORATION.sub("", _dates.CHINESE_DATE.sub("", _DATE.sub("", text))):
            continue
        if not _in_link_list(node):
            return node.text
    return None


def _in_link_list(node: _TextNode) -> bool:
    """True inside a link or a list item holding one: related-article lists date other pages."""
    return bool(node.element.xpath("ancestor-or-self::a | ancestor-or-self::li[.//a]"))


def _url_date(url: str) -> str | None:
    """The date TRS writes into its article file names (…/201909/t20190918_693227.shtml)."""
    match = _TRS_URL_DATE.search(url or "")
    return _iso(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def _htmldate(tree: lxml.html.HtmlElement, url: str) -> str | None:
    """htmldate's reading of this page alone: its markup and URL, without link lists or downloads."""
    import htmldate  # the last resort for a date: its 0.3 s import is paid only by pages that get this far

    # htmldate prunes the tree it is given, so it gets a copy; lists of links go
    # first because their dates belong to the pages they link to.
    page = copy.deepcopy(tree)
    for element in page.xpath("//li[.//a] | //a"):
        element.drop_tree()
    try:
        return htmldate.find_date(page, url=url, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except (ValueError, TypeError):
        return None


# ---------------------------------------------------------------- numbers and names


# 文号: issuer abbreviation, year in any of 〔〕 [] () 【】, serial number, 号.
# Orders and announcements are numbered in sequence: 国令第706号, 国家卫生健康委员会令第1号,
# 国家卫生健康委公告2020年第3号, 主席令第十六号; a bare 2024年第3号 too.
_SERIAL = r"(?:\d{1,5}|[一二三四五六七八九十百零〇]{1,6})"
DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{1,12}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号"
    r"|[\u4e00-\u9fff]{0,16}(?:令|公告|通告)\s*(?:(?:19|20)\d{2}\s*年\s*(?:度\s*)?)?第\s*" + _SERIAL + r"\s*号"
    r"|(?<!\d)(?:19|20)\d{2}\s*年\s*第\s*\d{1,5}\s*号"
)
DOC_NUMBER_LINES = 12
_INDEX_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-/_.]*")
# A hyphen separates a site name when spaced ("标题 - 中国政府网") or between
# Chinese words ("标题-新华网"), not in "1-10月", "2021-2025年" or "COVID-19".
_SITE_SEPARATOR = re.compile(
    r"\s*(?:_|\||｜|--|－)\s*|\s+-\s+|(?<=[\u4e00-\u9fff）)》”」！？])-(?=[\u4e00-\u9fff（(《“「])"
)
_SITE_NAME = re.compile(r"(?:委员会|人民政府|卫生健康局|卫健委|卫计委|卫生局|政府网|门户网站|网站|网|首页)$")
_AGENCY_NOISE = re.compile(r"^[《\[【(（\s]+|[》\]】)）\s]+$")


def strip_site_name(page_title: str) -> str:
    """A <title> without the site and column names that CMSes join to it with _ - | or --."""
    segments = [segment.strip() for segment in _SITE_SEPARATOR.split(page_title) if segment.strip()]
    # CMSes put the article first ("标题_栏目_站点"); a few put the site first.
    for segment in segments:
        if not _SITE_NAME.search(segment):
            return segment
    return segments[0] if segments else page_title


def _is_site_name(title: str, tree: lxml.html.HtmlElement) -> bool:
    """True when a <title> names the site rather than the article."""
    return title == _meta_content(tree, "SiteName") or bool(_SITE_NAME.search(title))


def _heading_candidates(tree: lxml.html.HtmlElement) -> list[str]:
    """Texts of <h1> and title-classed elements that could be the article title, h1 first."""
    elements = (
        tree.xpath("//body//h1")
        + tree.xpath("//body//*[contains(translate(@class, 'TITLE', 'title'), 'title')]")
        + tree.xpath("//body//*[contains(translate(@id, 'TITLE', 'title'), 'title')]")
        + tree.xpath("//body//h2")
    )
    headings: list[str] = []
    for element in elements:
        if element.tag in ("a", "script", "style", "input") or element.xpath("ancestor::a | ancestor::head"):
            continue
        heading = _squash(element.text_content())
        if 4 <= len(heading) <= 200 and heading not in headings:
            headings.append(heading)
    return headings


def _agency_name(value: str | None) -> str | None:
    """An agency name cleaned of brackets, or None when the value is empty or not a name."""
    if not value:
        return None
    name = _AGENCY_NOISE.sub("", value.strip()).strip()
    if not name or len(name) > 40 or parse_date(name) or not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
        return None
    return name


# ---------------------------------------------------------------- labelled values


# Words that end a labelled value when several labels share one line:
# "来源：山西日报 发布时间：2019-09-18 浏览次数：12".
_VALUE_STOPS = tuple(METADATA_LABELS) + (
    "发布时间", "来源", "信息来源", "浏览次数", "访问量", "点击数", "作者", "责任编辑", "编辑", "字体", "字号",
    "分享到", "打印", "关闭",
)
_VALUE_END = re.compile(
    r"\t|\||\s{2,}|" + "|".join(spaced_label(stop) for stop in sorted(_VALUE_STOPS, key=len, reverse=True))
)
_BLOCK_TAGS = ("td", "th", "dd", "dt", "li", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "span")
_MAX_BLOCK_VALUE = 120


@dataclass(frozen=True)
class _TextNode:
    text: str
    element: lxml.html.HtmlElement


def _label_pattern(label: str) -> re.Pattern[str]:
    # Not inside a longer word on the left (资金来源), and not continued by one on
    # the right unless a colon separates them (来源于 is prose, 来源：人民网 a label).
    return re.compile(r"(?<![\u4e00-\u9fff])" + spaced_label(label) + r"\s*(?:[:：]\s*|(?![\u4e00-\u9fff]))")


def _labelled_value(
    tree: lxml.html.HtmlElement, labels: tuple[str, ...], skip_link_lists: bool = False
) -> str | None:
    """The value printed after the first of ``labels`` found on the page, in a cell or on a line."""
    nodes = _visible_text_nodes(tree)
    for label in labels:
        pattern = _label_pattern(label)
        for index, node in enumerate(nodes):
            if skip_link_lists and _in_link_list(node):
                continue
            for match in pattern.finditer(node.text):
                value = _value_in_block(node, label) or _cut_value(node.text[match.end():])
                if value:
                    return value
                if not node.text[match.end():].strip(" :：|"):
                    # The label fills its own cell: the value is the next text on the page.
                    value = _next_value(nodes, index)
                    if value:
                        return value
    return None


def _labelled_text_value(text: str, labels: tuple[str, ...]) -> str | None:
    """The value after the first of ``labels`` in extracted text (a metadata table pasted in it)."""
    cells = [cell for line in text.splitlines() for cell in re.split(r"\t|\s*\|\s*", line) if cell.strip()]
    for label in labels:
        pattern = _label_pattern(label)
        for index, cell in enumerate(cells):
            match = pattern.search(cell)
            if not match:
                continue
            value = _cut_value(cell[match.end():])
            if value:
                return value
            if not cell[match.end():].strip() and index + 1 < len(cells):
                return _cut_value(cells[index + 1])
    return None


def _value_in_block(node: _TextNode, label: str) -> str | None:
    """The value after ``label`` within the label's own block, across inline tags (〔<b>2019</b>〕)."""
    block = _nearest_block(node.element)
    block_text = _squash(block.text_content()) if block is not None else ""
    if not block_text or len(block_text) > _MAX_BLOCK_VALUE:
        return None
    match = _label_pattern(label).search(block_text)
    return _cut_value(block_text[match.end():]) if match else None


def _next_value(nodes: tuple[_TextNode, ...], index: int) -> str | None:
    """The next text node's value, unless it is itself a label (an empty cell in the table)."""
    if index + 1 >= len(nodes):
        return None
    following = nodes[index + 1]
    if _VALUE_END.match(following.text):
        return None
    block = _nearest_block(following.element)
    block_text = _squash(block.text_content()) if block is not None else ""
    if block_text and len(block_text) <= _MAX_BLOCK_VALUE and following.text in block_text:
        return _cut_value(block_text[block_text.index(following.text):])
    return _cut_value(following.text)


def _cut_value(rest: str) -> str | None:
    """A value up to the next label or cell break, trimmed; None if empty."""
    rest = rest.lstrip(" :：|\t")
    end = _VALUE_END.search(rest)
    value = (rest[: end.start()] if end else rest).strip(" :：|\t,，;；")
    return value or None


def _nearest_block(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    for candidate in element.iterancestors() if not _is_block(element) else [element]:
        if _is_block(candidate):
            return candidate
    return None


def _is_block(element: lxml.html.HtmlElement) -> bool:
    return isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS


# Every labelled field walks the same page, so the walk is done once per tree.
@lru_cache(maxsize=4)
def _visible_text_nodes(tree: lxml.html.HtmlElement) -> tuple[_TextNode, ...]:
    """Non-blank text nodes of the page body in document order, with the element holding each."""
    nodes = []
    for text in tree.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"):
        squashed = _squash(text)
        if squashed:
            parent = text.getparent()
            # A tail belongs to the parent's parent in the rendered page.
            holder = parent.getparent() if text.is_tail and parent.getparent() is not None else parent
            nodes.append(_TextNode(squashed, holder))
    return tuple(nodes)


def _meta_content(tree: lxml.html.HtmlElement, *names: str) -> str | None:
    """Content of the first <meta name=…> or <meta property=…> among ``names`` (case-insensitive)."""
    wanted = [name.lower() for name in names]
    found: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = _squash(meta.get("content", ""))
        if key in wanted and content and key not in found:
            found[key] = content
    for name in wanted:
        if name in found:
            return found[name]
    return None


def _squash(text: str) -> str:
    return re.sub(r"[\s\u00a0\u3000]+", " ", text).strip()
