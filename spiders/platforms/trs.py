"""TRS WCM static lists: index.html, index_1.html, … paged by createPageHTML()."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import Response

from spiders.platforms.base import (
    Body,
    Family,
    ListPage,
    ListParser,
    class_xpath,
    entries_from_items,
    list_tree,
)
from spiders.platforms.generic import GenericParser

# createPageHTML(total, current, "index", "html"): page `current` links to
# index_{current+1}. Most sites count from 0 (index, index_1, … index_{total-1});
# some (the Henan/Chongqing habit) count from 1 and skip index_1 (index,
# index_2, … index_{total}). The first page tells which: current 0 or 1.
# Sites call it with other arities too: createPageHTML('page_div', 7, 1, 'index',
# 'shtml', 136) puts the pager's element first and the record count last. In
# every form seen, the first two numbers are total and current, and the
# prefix is the word before the extension.
_PAGER_CALL = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_EXTENSIONS = ("html", "shtml", "htm", "jhtml")
_COUNT_PAGE = re.compile(r"countPage\s*[=:]\s*(\d+)")
_FILE_NUMBER = re.compile(r"/(\w+?)(?:_(\d+))?\.(s?html?)$")


class TrsParser(ListParser):
    """Parse a TRS column page and follow its createPageHTML pager."""

    def parse(self, response: Response) -> ListPage:
        """Entries of the page's list, and the request for the next index_k page."""
        page = ListPage(entries=entries_from_items(list_tree(response).iter("li", "tr")))
        if not page.entries:  # a frame, a script-loaded or an undated list: the generic reading finds those
            return GenericParser().parse(response)
        one_based = response.meta.get("wjw_trs_one_based")
        next_url, one_based = next_page_url(response.url, response.text, one_based)
        if next_url:
            page.next_requests.append(Request(next_url, meta={"wjw_trs_one_based": one_based}))
        else:  # no createPageHTML: a 下一页 link or a form pager, as on sites of no family
            page.next_requests += GenericParser().parse(response).next_requests
        return page


def _pager_args(text: str) -> tuple[int, int, str, str] | None:
    """(total, current, prefix, extension) of the page's createPageHTML call, whatever its arity."""
    for call in _PAGER_CALL.finditer(text):
        args = [arg.strip() for arg in call[1].split(",")]
        numbers = [int(arg) for arg in args if arg.isdigit()]
        strings = [arg[1:-1] for arg in args if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "\"'"]
        if len(numbers) < 2:
            continue  # the function's own definition, or a call with variables for arguments
        ext = next((i for i, value in enumerate(strings) if value.lower() in _EXTENSIONS), None)
        prefix = strings[ext - 1] if ext else "index"  # createPageHTML(total, current) alone: index.html
        return numbers[0], numbers[1], prefix, strings[ext] if ext is not None else "html"
    return None


def next_page_url(url: str, text: str, one_based: bool | None = None) -> tuple[str | None, bool | None]:
    """The URL of the list page after this one (None on the last), and whether the pager counts from 1."""
    pager = _pager_args(text)
    own = _FILE_NUMBER.search(url.split("?", 1)[0])
    number = int(own[2]) if own and own[2] else None
    if pager:
        total, current, prefix, ext = pager
    else:
        count = _COUNT_PAGE.search(text)
        if not count:
            return None, one_based
        total, prefix, ext = int(count[1]), "index", own[3] if own else "html"
        current = number or 0
    if one_based is None:
        one_based = number is None and current == 1
    last = current >= total if one_based else current + 1 >= total
    if last:
        return None, one_based
    return urljoin(url, f"{prefix}_{current + 1}.{ext}"), one_based


FAMILY = Family(
    name="trs", parser=TrsParser,
    detail_urls=(r"/t\d{8}_\d+\.s?html?$",),
    # The UEditor's div first: TRS nests editors, and both sit inside #zoom on many sites.
    bodies=(Body("div.TRS_UEDITOR", class_xpath("TRS_UEDITOR")), Body("div.TRS_Editor", class_xpath("TRS_Editor"))),
)
