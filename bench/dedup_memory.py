"""The near-duplicate index's memory as the archive grows: a run's peak RSS at corpus 1× and 4×, and pair F1.

A store is filled with N, then 4N distinct synthetic plans (bench/dedup.py's
material) as an archive would hold them: segments of 100 documents, each a
WARC's worth. Then a fresh process does what a run does with the index:
load it from the store (`DedupIndex.from_store`), add a night's 200 new
plans (each compared with the whole archive), cluster and link them, and
append its segment. Its peak RSS above what the process held before it
touched the index (interpreter, numpy, datasketch, the night's texts) is the
index's cost; `dedup_rss_ratio_4x` is that cost at 4N over the cost at N:
near 1 when memory does not grow with the corpus (the index is queried by
band from an SQLite file on local disk, whose page cache is bounded).

Pair F1 is bench/dedup.py's on simweb's day-0 plans, through the same index.

Run: ``uv run python bench/dedup_memory.py [--quick]``; ends with
``dedup_rss_ratio_4x=… pair_f1=…``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "dedup_memory.json"
SEGMENT = 100  # documents per stored segment: one site's WARC
NIGHT = 200  # new documents a run adds
SIZES = {False: 2000, True: 1000}  # corpus 1× (full, quick)


def synthetic_docs(seed: int, n: int, prefix: str) -> list[tuple[str, str]]:
    """`n` distinct plans as (doc id, text)."""
    from bench.dedup import _PLACES, synthetic_plan

    rng = random.Random(seed)
    return [(f"{prefix}-{i}", synthetic_plan(rng, rng.choice(_PLACES), rng.randint(2000, 2025))) for i in range(n)]


def _member(doc_id: str, text: str):
    import hashlib

    from archive.dedup.index import member_for

    n = int(doc_id.rsplit("-", 1)[1])
    return member_for(doc_id, f"https://s{n % 97}.gov.cn/{doc_id}.html", text,
                      hashlib.sha256(text.encode("utf-8")).hexdigest(), f"s{n % 97}", "某市卫生健康委员会",
                      f"https://s{n % 97}.gov.cn/", "city", None, None, None)


def fill_store(folder: Path, n: int) -> None:
    """A store holding `n` archived plans in segments of SEGMENT, as earlier runs left them."""
    from archive.dedup.index import DedupIndex
    from archive.store import LocalStore

    store = LocalStore(folder)
    docs = synthetic_docs(1, n, "doc")
    for start in range(0, n, SEGMENT):
        index = DedupIndex()  # each segment's own: the corpus is what the store holds, however it got there
        for doc_id, text in docs[start:start + SEGMENT]:
            index.add(_member(doc_id, text), text)
        index.flush(store, f"run-{start // SEGMENT:05d}")
        index.close()


def night(folder: str) -> dict:
    """A run's use of the index over the store at `folder`, in this process: its peak RSS above the baseline."""
    from archive.dedup.index import DedupIndex, signature
    from archive.store import LocalStore

    new = synthetic_docs(2, NIGHT, "new")
    signature(new[0][1])  # datasketch and scipy imported before the baseline
    before = reset_peak()
    started = time.perf_counter()
    store = LocalStore(folder)
    index = DedupIndex.from_store(store)
    loaded = len(index)
    for doc_id, text in new:
        index.add(_member(doc_id, text), text)
        index.cluster(doc_id)
    index.flush(store, "run-tonight")
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM")
    db_bytes = Path(index.db.execute("PRAGMA database_list").fetchone()[2]).stat().st_size
    index.close()
    return {"documents": loaded, "baseline_kib": before, "peak_kib": peak, "index_kib": peak - before,
            "index_file_kib": db_bytes // 1024, "seconds": round(seconds, 2)}


def reset_peak() -> int:
    """Reset this process's peak RSS to its current RSS (Linux: /proc/self/clear_refs), and return that, in KiB.

    Imports peak above what they leave resident; the index's cost is what it adds to the process as it stands.
    """
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    return _status_kib("VmRSS")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}: this benchmark needs Linux")


def measure(n: int) -> dict:
    """Fill a store with `n` plans, then measure a run's index use in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="wjw-dedup-memory-") as folder:
        fill_store(Path(folder), n)
        done = subprocess.run([sys.executable, __file__, "--night", folder], capture_output=True, text=True,
                              check=True, cwd=ROOT)
        return json.loads(done.stdout.strip().splitlines()[-1])


def pair_f1() -> float:
    """bench/dedup.py's pair F1 on simweb's day-0 plans (its synthetic republications if simweb names none)."""
    from bench.dedup import cluster_quality, simweb_truth, synthetic_truth

    rows = simweb_truth() or synthetic_truth(random.Random(0))
    return cluster_quality(rows)["pair_f1"]


def figures(quick: bool = False) -> dict:
    """The figures: the index's peak RSS at corpus 1× and 4×, their ratio, and pair F1."""
    n = SIZES[quick]
    one, four = measure(n), measure(4 * n)
    return {"corpus_1x": n, "corpus_4x": 4 * n, "night": NIGHT, "at_1x": one, "at_4x": four,
            "dedup_rss_ratio_4x": round(four["index_kib"] / max(1, one["index_kib"]), 3), "pair_f1": pair_f1()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"corpus {SIZES[True]} and 4× that")
    parser.add_argument("--night", metavar="STORE", help=argparse.SUPPRESS)  # the measured child process
    args = parser.parse_args()
    if args.night:
        print(json.dumps(night(args.night)))
        return 0
    result = figures(args.quick)
    for scale in ("at_1x", "at_4x"):
        r = result[scale]
        print(f"{r['documents']} archived + {NIGHT} new: index {r['index_kib'] / 1024:.1f} MiB above a "
              f"{r['baseline_kib'] / 1024:.0f} MiB baseline (its file {r['index_file_kib'] / 1024:.1f} MiB on disk), "
              f"{r['seconds']:.1f}s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    print(f"dedup_rss_ratio_4x={result['dedup_rss_ratio_4x']:.3f} pair_f1={result['pair_f1']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
