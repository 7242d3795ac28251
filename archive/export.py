"""Export the corpus as files a reader can open: `NNN_<hash16>.txt`, like the seeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

from archive.manifest import read_manifest
from archive.store import Store

_EXPORTED = re.compile(r"\d{3,}_[0-9a-f]{16}\.txt")


def export_txt(store: Store, out_dir: Path, run_id: str | None = None) -> list[Path]:
    """Write one text file per distinct text, oldest first, and an index of them.

    Each file holds exactly the stored text, so `sha256sum` of the file starts
    with the 16 hex digits in its name.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.iterdir():
        # Files of an earlier export would shift the numbering; only ours go.
        if _EXPORTED.fullmatch(stale.name):
            stale.unlink()
    lines = sorted(read_manifest(store, run_id),
                   key=lambda line: (line["record"].get("published") or "", line["record"]["doc_id"]))
    written: list[Path] = []
    index: list[dict] = []
    by_sha: dict[str, Path] = {}
    for line in lines:
        record = line["record"]
        sha = record["text_sha256"]
        path = by_sha.get(sha)
        if path is None:
            path = out_dir / f"{len(by_sha):03d}_{sha[:16]}.txt"
            path.write_bytes(store.get(line["text_key"]))
            by_sha[sha] = path
            written.append(path)
        index.append({
            "file": path.name,
            "doc_id": record["doc_id"],
            "title": record["title"],
            "source_url": record["source_url"],
            "published": record.get("published"),
            "agency": record.get("agency"),
            "region_code": record["region"]["code"],
            "text_sha256": sha,
        })
    manifest = out_dir / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in index), encoding="utf-8")
    return written
