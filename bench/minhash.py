"""MinHash libraries compared for the dedup index: import cost, signature speed, Jaccard accuracy.

datasketch (what archive/dedup uses) against rensa (a Rust C-MinHash on PyPI), on
the synthetic plans of bench/dedup.py, with the same 9-character shingles and 128
permutations. Import cost is the median wall time of 5 fresh interpreters. Accuracy
is the mean absolute error of the estimated Jaccard against the exact one over the
synthetic republication pairs (plan and city copy). rensa is not a dependency: when
it is not importable its rows are left out and the output says so.

Run: ``uv run python bench/minhash.py``.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.dedup.index import NUM_PERM, SEED, shingles, signature
from bench.dedup import _PLACES, synthetic_plan, synthetic_truth

RESULTS = ROOT / "bench" / "results" / "minhash.json"


def import_seconds(module: str) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rensa_signature(grams: set[str]):
    import rensa

    minhash = rensa.CMinHash(NUM_PERM, SEED)
    minhash.update(list(grams))
    return minhash


def main() -> int:
    try:
        import rensa  # noqa: F401
        libraries = ("datasketch", "rensa")
    except ImportError:
        libraries = ("datasketch",)
        print("rensa is not installed: measuring datasketch only (uv pip install rensa to compare)")
    rng = random.Random(1)
    texts = [synthetic_plan(rng, rng.choice(_PLACES), rng.randint(2000, 2025)) for _ in range(500)]
    grams = [shingles(t) for t in texts]
    pairs = [(a["text"], b["text"]) for a, b in zip(synthetic_truth(random.Random(0))[0:120:3],
                                                     synthetic_truth(random.Random(0))[1:120:3])]
    results = {}
    for library in libraries:
        make = (lambda g, t: signature(t)[0]) if library == "datasketch" else (lambda g, t: rensa_signature(shingles(t)))
        started = time.perf_counter()
        for g, t in zip(grams, texts):
            make(g, t)
        per_doc_ms = (time.perf_counter() - started) / len(texts) * 1000
        errors = []
        for a, b in pairs:
            sa, sb = shingles(a), shingles(b)
            exact = len(sa & sb) / len(sa | sb)
            errors.append(abs(make(sa, a).jaccard(make(sb, b)) - exact))
        results[library] = {"import_s": round(import_seconds(library), 3), "signature_ms": round(per_doc_ms, 3),
                            "jaccard_mae": round(statistics.mean(errors), 4), "pairs": len(pairs)}
        r = results[library]
        print(f"{library}: import {r['import_s']:.2f}s, {r['signature_ms']:.2f} ms a signature "
              f"(shingling included), Jaccard error {r['jaccard_mae']:.4f} over {r['pairs']} pairs")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(" ".join(f"{lib}_import_s={r['import_s']:.2f} {lib}_signature_ms={r['signature_ms']:.2f}"
                   for lib, r in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
