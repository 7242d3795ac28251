"""VSB (博达) lists: tzgg.htm, then tzgg/N-1.htm … tzgg/1.htm, linked by 下页.

The list itself is plain HTML with a 下页 link, which the generic parser
already reads; what VSB adds is its detail-page shape and its body containers.
"""

from __future__ import annotations

from spiders.platforms.base import Body, Family, class_xpath
from spiders.platforms.generic import GenericParser


class VsbParser(GenericParser):
    """The generic parser: VSB pages count down by a 下页 link the generic pager follows."""


FAMILY = Family(
    name="vsb", parser=VsbParser,
    detail_urls=(r"/info/\d+/\d+\.htm$",),
    bodies=(
        Body("#vsb_content", "//*[@id='vsb_content' or starts-with(@id, 'vsb_content_') or @id='vsb_newscontent']"),
        Body("div.v_news_content", class_xpath("v_news_content")),
    ),
)
