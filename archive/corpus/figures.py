"""The corpus in counts: plans per province and year, removals per year (the corpus page's charts, the bench)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from archive.corpus.select import lifecycle, record_year


def corpus_figures(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts over a manifest's canonical documents: per province, per province and year, removals per year."""
    per_province: Counter = Counter()
    per_province_year: Counter = Counter()
    removed_per_year: Counter = Counter()
    status: Counter = Counter()
    for line in lines:
        record = line["record"]
        if record.get("canonical_id") not in (None, record["doc_id"]):
            continue
        state = lifecycle(line)
        status[state["status"]] += 1
        if state["status"] == "removed" and state["removed_at"]:
            removed_per_year[state["removed_at"][:4]] += 1
        province = (record.get("region") or {}).get("province") or "全国"
        per_province[province] += 1
        year = record_year(record)
        if year:
            per_province_year[(province, year)] += 1
    return {
        "documents": sum(status.values()), "status": dict(status),
        "provinces": [p for p, _ in per_province.most_common()],
        "years": sorted({year for _, year in per_province_year}),
        "per_province": dict(per_province), "per_province_year": dict(per_province_year),
        "removed_per_year": dict(removed_per_year),
    }
