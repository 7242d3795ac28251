"""The fault suite, long: every kill point, S3 down mid-run, two runs at once, a full disk, flipped bytes, a hostile site.

Each hurt run is compared with an uninterrupted run over the same simulated
sites (records apart from times, texts, the latest manifest). Usage:

    uv run python bench/faults.py [--sites N]

Prints the figures, writes bench/results/faults.json, and ends with one line:
kill_points=N identical=N s3_identical=… concurrent_identical=… disk_full_identical=… verify_detected=<0..1>
bomb_peak_mb=… hostile_docs=0 tracebacks=0
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.corpus.verify import verify_store  # noqa: E402
from archive.run.killpoints import ENV, STEPS  # noqa: E402
from archive.scratch import leftovers  # noqa: E402
from archive.store import open_store  # noqa: E402
from simweb import SimWeb, build_world  # noqa: E402
from testkit.faults import WJW, Outcome, corpus, differences, flip_byte, run_args, wjw, write_registry  # noqa: E402
from testkit.hostile import HostileSite  # noqa: E402
from testkit.seaweed import SeaweedServer  # noqa: E402

RESULTS = ROOT / "bench" / "results"
# Which occurrence of each step to die at: a middle one where a step repeats per document.
NTH = {"text_written": 4, "doc_written": 6}
# Small sites whose plans carry attachments come first, so every step (blob_written too) is reached.
WITH_ATTACHMENTS = ("sim-jnq-wjj", "sim-zx-wjj")
FLIPS_PER_KIND = 5
KINDS = ("docs/", "manifests/latest.json", "manifests/2", "state/", "runs/", "leases/", "text/", "blobs/", "warc/",
         "index/")

tracebacks = 0


def run(args: list[str], **kw) -> Outcome:
    """`wjw ARGS`, counting any traceback it prints."""
    global tracebacks
    outcome = wjw(args, **kw)
    tracebacks += outcome.traceback
    return outcome


def kill_points(registry: Path, work: Path, want: dict) -> dict:
    """Kill the run at each commit step, rerun, compare."""
    results = {}
    for step in STEPS:
        spec = f"{step}:{NTH.get(step, 1)}"
        store, tmp = str(work / f"kill-{step}"), work / f"tmp-{step}"
        killed = run(run_args(store, registry), env={ENV: spec}, tmpdir=tmp)
        rerun = run(run_args(store, registry), tmpdir=tmp)
        diff = differences(corpus(open_store(store)), want)
        verified = verify_store(open_store(store)).ok
        left = leftovers(tmp)
        results[spec] = {"killed": killed.returncode == -9, "rerun_exit": rerun.returncode, "differences": diff[:5],
                         "verify_ok": verified, "leftovers": len(left),
                         "identical": killed.returncode == -9 and rerun.returncode == 0 and not diff and verified
                         and not left}
        print(f"kill at {spec}: {'identical' if results[spec]['identical'] else results[spec]}")
    return results


def s3_outage(registry: Path, work: Path, want_s3: dict) -> dict:
    """Stop SeaweedFS once the run has stored its first WARC; start it again; rerun."""
    with SeaweedServer(work / "seaweed-outage") as server:
        server.create_bucket("outage")
        env = server.env
        args = [*WJW, *run_args("s3://outage", registry)]
        proc = subprocess.Popen(args, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        client = server.client()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            if client.list_objects_v2(Bucket="outage", Prefix="warc/").get("KeyCount"):
                break
            time.sleep(0.2)
        server.stop()
        out, err = proc.communicate(timeout=900)
        down = Outcome(proc.returncode, out, err)
        global tracebacks
        tracebacks += down.traceback
        server.start()
        rerun = run(run_args("s3://outage", registry), env=server.env)
        os.environ.update(server.env)
        diff = differences(corpus(open_store("s3://outage")), want_s3)
    # Progress lines go to stderr too; what must be one line is the error.
    lines = [line for line in down.stderr.splitlines() if line.startswith("error:")]
    result = {"down_exit": down.returncode, "down_lines": lines[-3:], "rerun_exit": rerun.returncode,
              "differences": diff[:5],
              "identical": down.returncode != 0 and len(lines) == 1 and not down.traceback and rerun.returncode == 0
              and not diff}
    print(f"S3 down mid-run: exit {down.returncode}, said {lines[-1:] or '(nothing)'}; rerun: "
          f"{'identical' if result['identical'] else result}")
    return result


def concurrent(registry: Path, store_uri: str, serial: dict, env: dict | None = None) -> dict:
    """A nightly and a backfill started together on a fresh store, against the same two run one after the other."""
    outcomes: dict[str, Outcome] = {}

    def one(mode: str) -> None:
        outcomes[mode] = run(run_args(store_uri, registry, mode), env=env)

    threads = [threading.Thread(target=one, args=(mode,)) for mode in ("nightly", "backfill")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    diff = differences(corpus(open_store(store_uri)), serial)
    ok = all(o.returncode == 0 for o in outcomes.values()) and not diff
    print(f"two runs at once on {store_uri}: exits {[o.returncode for o in outcomes.values()]}, "
          f"{'identical' if ok else diff[:3]}")
    return {"exits": {m: o.returncode for m, o in outcomes.items()}, "differences": diff[:5], "identical": ok}


def serial_corpus(registry: Path, store_uri: str, env: dict | None = None) -> dict:
    for mode in ("nightly", "backfill"):
        assert run(run_args(store_uri, registry, mode), env=env).returncode == 0
    return corpus(open_store(store_uri))


def disk_full(registry: Path, work: Path, want: dict, store_bytes: int) -> dict:
    """The store on a tmpfs half the size the corpus needs; then grown, and the run repeated."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        print("disk full: skipped (mounting a small tmpfs needs root)")
        return {"skipped": "not root"}
    mount = work / "small"
    mount.mkdir()
    size_kb = max(256, store_bytes // 2048)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)]).returncode:
        print("disk full: skipped (mount refused)")
        return {"skipped": "mount refused"}
    try:
        full = run(run_args(str(mount / "store"), registry))
        lines = [line for line in full.stderr.splitlines() if line.startswith("error:")]
        subprocess.run(["mount", "-o", f"remount,size={size_kb * 8}k", str(mount)], check=True)
        rerun = run(run_args(str(mount / "store"), registry))
        diff = differences(corpus(open_store(str(mount / "store"))), want)
    finally:
        subprocess.run(["umount", "-l", str(mount)])
    ok = full.returncode != 0 and len(lines) == 1 and not full.traceback and rerun.returncode == 0 and not diff
    print(f"disk full: exit {full.returncode}, said {lines[-1:] or '(nothing)'}; rerun "
          f"{'identical' if ok else diff[:3]}")
    return {"full_exit": full.returncode, "said": lines[-2:], "rerun_exit": rerun.returncode, "differences": diff[:5],
            "identical": ok}


def flips(store_dir: Path) -> dict:
    """Flip one byte of objects of every kind, one at a time; how many flips `verify` names."""
    rng = random.Random(13)
    store = open_store(str(store_dir))
    keys = list(store.list(""))
    found: dict[str, list[int]] = {}
    for kind in KINDS:
        candidates = [k for k in keys if k.startswith(kind)]
        if not candidates:
            continue
        for _ in range(FLIPS_PER_KIND):
            key = rng.choice(candidates)
            path = store_dir / key
            original = path.read_bytes()
            flip_byte(path, rng)
            named = key in {f.key for f in verify_store(store).faults}
            path.write_bytes(original)
            found.setdefault(kind, []).append(int(named))
    total = sum(len(v) for v in found.values())
    rate = sum(sum(v) for v in found.values()) / max(1, total)
    print("verify: " + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in found.items()))
    return {"by_kind": {k: sum(v) / len(v) for k, v in found.items()}, "detected": rate}


def hostile(registry_row: dict, work: Path) -> dict:
    """The hostile site beside a healthy one: peak memory of the whole run, documents made of hostile bytes."""
    with HostileSite() as site:
        registry = write_registry(work / "hostile.yaml", [site.registry_row(), registry_row])
        store = work / "hostile-store"
        probe = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
                 "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, "-c", probe, *WJW, *run_args(str(store), registry, "backfill", 2)],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
        truth = site.truth()
        offsite = list(site.offsite_hits)
    global tracebacks
    tracebacks += "Traceback (most recent call last)" in proc.stdout + proc.stderr
    code, peak_kb = (int(x) for x in proc.stdout.strip().splitlines()[-1].split())
    records = corpus(open_store(str(store)))["records"]
    allowed = {t["url"] for t in truth if t["is_plan"] or t["kind"] == "pdf_as_page"}
    ours = [r for r in records.values() if r["site_id"] == "hostile-wjw"]
    bad = [r["source_url"] for r in ours if r["source_url"] not in allowed
           or b"%PDF" in open_store(str(store)).get(r["text_key"])]
    print(f"hostile site: exit {code}, peak {peak_kb // 1024} MB, {len(ours)} documents, hostile ones: {bad}, "
          f"requests offsite: {len(offsite)}")
    return {"exit": code, "peak_mb": peak_kb // 1024, "documents": len(ours), "hostile_docs": bad,
            "offsite_requests": len(offsite)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=4, help="simweb sites per run (default 4)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wjw-faults-bench-"))
    figures: dict = {}
    try:
        with SimWeb(build_world(), day=0) as web:
            hidden = {t["site_id"] for t in web.truth() if t["robots_disallowed"]}
            rows = sorted((r for r in web.registry_rows() if r["id"] not in hidden),
                          key=lambda r: r["id"] not in WITH_ATTACHMENTS)[:args.sites]
            registry = write_registry(work / "sites.yaml", rows)
            base = work / "baseline"
            assert run(run_args(str(base), registry)).returncode == 0
            want = corpus(open_store(str(base)))
            store_bytes = sum(p.stat().st_size for p in base.rglob("*") if p.is_file() and ".versions" not in p.parts)
            print(f"baseline: {want['documents']} documents from {len(rows)} sites")
            figures["kill_points"] = kill_points(registry, work, want)
            with SeaweedServer(work / "seaweed") as server:
                os.environ.update(server.env)
                for bucket in ("base", "serial", "together"):
                    server.create_bucket(bucket)
                assert run(run_args("s3://base", registry), env=server.env).returncode == 0
                want_s3 = corpus(open_store("s3://base"))
                serial_s3 = serial_corpus(registry, "s3://serial", server.env)
                figures["concurrent_s3"] = concurrent(registry, "s3://together", serial_s3, server.env)
            figures["s3_outage"] = s3_outage(registry, work, want_s3)
            serial_local = serial_corpus(registry, str(work / "serial"))
            figures["concurrent_local"] = concurrent(registry, str(work / "together"), serial_local)
            figures["disk_full"] = disk_full(registry, work, want, store_bytes)
            figures["verify"] = flips(base)
            figures["hostile"] = hostile(rows[0], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    kills = figures["kill_points"]
    disk = figures["disk_full"]
    line = (f"kill_points={len(kills)} identical={sum(k['identical'] for k in kills.values())} "
            f"s3_identical={int(figures['s3_outage']['identical'])} "
            f"concurrent_identical={int(figures['concurrent_local']['identical'] and figures['concurrent_s3']['identical'])} "
            f"disk_full_identical={'skipped' if 'skipped' in disk else int(disk['identical'])} "
            f"verify_detected={figures['verify']['detected']:.3f} bomb_peak_mb={figures['hostile']['peak_mb']} "
            f"hostile_docs={len(figures['hostile']['hostile_docs'])} tracebacks={tracebacks}")
    figures["line"] = line
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "faults.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    print(line)


if __name__ == "__main__":
    main()
