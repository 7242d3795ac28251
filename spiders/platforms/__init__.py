"""The CMS families, one module each (`FAMILY` in spiders/platforms/<name>.py); `parser_for(cms)` picks a list parser.

Everything else that names the families is derived from `FAMILIES`: the
registry schema's `cms` enum (schemas/site.schema.json) and the extractor's
table of body containers (archive/families.json), both written by
`python -m spiders.platforms` because the archive never imports the spiders;
`tests/spiders/test_families.py` fails when either is out of step.
"""

from __future__ import annotations

import re

from spiders.platforms import generic, gkmlpt, hanweb, jpaas, trs, vsb
from spiders.platforms.base import Family, ListEntry, ListPage, ListParser

# Registry order: the named families, then the generic parser for every other site.
FAMILIES: dict[str, Family] = {module.FAMILY.name: module.FAMILY for module in (trs, hanweb, jpaas, gkmlpt, vsb, generic)}

PARSERS: dict[str, type[ListParser]] = {name: family.parser for name, family in FAMILIES.items()}

# Detail-page URL shapes of all families: TRS t20210315_123.html, Hanweb art_12_345.html, jpaas art_<hex>.html,
# gkmlpt post_123.html, VSB /info/12/345.htm, ...
DETAIL_URL = re.compile("|".join(shape for family in FAMILIES.values() for shape in family.detail_urls))


def parser_for(cms: str) -> ListParser:
    """The list parser for a CMS family, or a clear error naming it."""
    try:
        return PARSERS[cms]()
    except KeyError:
        raise ValueError(f"unknown CMS family {cms!r}; known: {', '.join(sorted(PARSERS))}") from None


__all__ = ["DETAIL_URL", "FAMILIES", "PARSERS", "Family", "ListEntry", "ListPage", "ListParser", "parser_for"]
