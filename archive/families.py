"""The CMS families as the archive knows them: their names and the containers their articles sit in.

Each family is declared once, in its module under spiders/platforms/; the
archive never imports the spiders, so `python -m spiders.platforms` writes
what it needs into families.json beside this file (and the registry schema's
`cms` enum), and tests/spiders/test_families.py keeps them in step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).with_name("families.json")


@dataclass(frozen=True)
class Container:
    """A CMS body container: how to report it, and the XPath that finds it (or the comments that bracket it)."""

    name: str
    xpath: str | None = None
    between: re.Pattern | None = None  # group 1 is the body


def _container(entry: dict) -> Container:
    between = entry.get("between")
    pattern = re.compile(f"{between[0]}(.*?){between[1]}", re.DOTALL | re.IGNORECASE) if between else None
    return Container(entry["name"], entry.get("xpath"), pattern)


_TABLE = json.loads(TABLE.read_text(encoding="utf-8"))

# In registry order, ending with "generic", the parser for sites of no known family.
CMS_FAMILIES: tuple[str, ...] = tuple(entry["name"] for entry in _TABLE)

# Every family's body containers, in family order.
FAMILY_CONTAINERS: tuple[Container, ...] = tuple(_container(body) for entry in _TABLE for body in entry["bodies"])
