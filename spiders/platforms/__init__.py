"""One list-page parser per CMS family; `parser_for(cms)` picks it."""

from __future__ import annotations

from spiders.platforms.base import ListEntry, ListPage, ListParser
from spiders.platforms.generic import GenericParser, VsbParser
from spiders.platforms.gkmlpt import GkmlptParser
from spiders.platforms.hanweb import HanwebParser
from spiders.platforms.jpaas import JpaasParser
from spiders.platforms.trs import TrsParser

PARSERS: dict[str, type[ListParser]] = {
    "trs": TrsParser,
    "hanweb": HanwebParser,
    "jpaas": JpaasParser,
    "gkmlpt": GkmlptParser,
    "vsb": VsbParser,
    "generic": GenericParser,
}


def parser_for(cms: str) -> ListParser:
    """The list parser for a CMS family, or a clear error naming it."""
    try:
        return PARSERS[cms]()
    except KeyError:
        raise ValueError(f"unknown CMS family {cms!r}; known: {', '.join(sorted(PARSERS))}") from None


__all__ = ["ListEntry", "ListPage", "ListParser", "PARSERS", "parser_for"]
