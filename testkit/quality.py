"""How close an extracted text is to its gold text: the measure the tests and the benchmark share."""

from __future__ import annotations

import re
from collections import Counter


def char_f1(extracted: str, gold: str) -> float:
    """Bag-of-characters F1 between two texts, whitespace ignored (Chinese has no word boundaries)."""
    got, want = Counter(re.sub(r"\s", "", extracted)), Counter(re.sub(r"\s", "", gold))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)
