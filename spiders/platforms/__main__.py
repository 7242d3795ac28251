"""Write what the archive side reads of the families: `python -m spiders.platforms [--check]`.

The archive never imports the spiders, so the family modules' names and body
containers reach it as data: the registry schema's `cms` enum and
archive/families.json. `--check` only says whether they are current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from spiders.platforms import FAMILIES

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "archive" / "families.json"
SITE_SCHEMA = ROOT / "schemas" / "site.schema.json"


def family_table() -> str:
    """archive/families.json as the family modules declare it."""
    return json.dumps([family.to_dict() for family in FAMILIES.values()], ensure_ascii=False, indent=1) + "\n"


def site_schema() -> str:
    """schemas/site.schema.json with its `cms` enum listing the family modules, in their order."""
    text = SITE_SCHEMA.read_text(encoding="utf-8")
    schema = json.loads(text)
    enum = json.dumps({"enum": list(FAMILIES)})
    old = json.dumps(schema["properties"]["cms"])
    if old not in text:
        raise SystemExit(f"{SITE_SCHEMA}: the cms property is not on one line as {old}; put it back on one line")
    return text.replace(old, enum)


def stale() -> list[Path]:
    """The derived files that do not match the family modules."""
    wanted = {TABLE: family_table(), SITE_SCHEMA: site_schema()}
    return [path for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str]) -> int:
    """Rewrite the derived files, or with --check name the stale ones."""
    if "--check" in argv:
        out_of_step = stale()
        for path in out_of_step:
            print(f"{path.relative_to(ROOT)} is out of step with spiders/platforms: run `python -m spiders.platforms`")
        return 1 if out_of_step else 0
    TABLE.write_text(family_table(), encoding="utf-8")
    SITE_SCHEMA.write_text(site_schema(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
