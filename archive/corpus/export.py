"""Export the corpus as of a run as files a reader can open: txt like the seeds, JSON Lines, or Parquet.

Every export reads one manifest and the exact record and text versions it pins,
so an export `--as-of` a run is the same whenever it is made.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from archive.corpus.manifest import read_manifest
from archive.store import Store

FORMATS = ("txt", "jsonl", "parquet")

_EXPORTED = re.compile(r"\d{3,}_[0-9a-f]{16}\.txt")


@dataclass(frozen=True)
class ExportFilter:
    """Which documents an export keeps: by plan year, by province, canonical members only or all."""

    year: int | None = None
    province: str | None = None
    include_duplicates: bool = False

    def keeps(self, record: dict[str, Any]) -> bool:
        """Whether a manifest record belongs in the export."""
        if not self.include_duplicates and record.get("canonical_id") not in (None, record["doc_id"]):
            return False
        if self.year is not None and record_year(record) != self.year:
            return False
        if self.province:
            region = record.get("region") or {}
            if self.province.isdigit():
                # A GB/T 2260 code: its first two digits are the province.
                if not region.get("code", "").startswith(self.province[:2]):
                    return False
            elif not (region.get("province") or "").startswith(self.province):
                return False
        return True


@dataclass
class ExportResult:
    """What an export wrote."""

    files: list[Path] = field(default_factory=list)
    documents: int = 0


def record_year(record: dict[str, Any]) -> int | None:
    """The year a plan is for, or failing that the year it was published."""
    if record.get("plan_year"):
        return record["plan_year"]
    published = record.get("published") or ""
    return int(published[:4]) if published[:4].isdigit() else None


def selected_lines(store: Store, run_id: str | None, chosen: ExportFilter) -> list[dict[str, Any]]:
    """The manifest lines an export covers, oldest publication first."""
    lines = [line for line in read_manifest(store, run_id) if chosen.keeps(line["record"])]
    return sorted(lines, key=lambda line: (line["record"].get("published") or "", line["record"]["doc_id"]))


def export_corpus(store: Store, out_dir: Path, fmt: str = "txt", run_id: str | None = None,
                  chosen: ExportFilter = ExportFilter()) -> ExportResult:
    """Export the corpus as of a run (default: the latest) in one of FORMATS."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = selected_lines(store, run_id, chosen)
    writer = {"txt": _write_txt, "jsonl": _write_jsonl, "parquet": _write_parquet}[fmt]
    return writer(store, out_dir, lines)


def export_txt(store: Store, out_dir: Path, run_id: str | None = None) -> list[Path]:
    """Write one text file per distinct text of the canonical documents, and an index of them."""
    return export_corpus(store, out_dir, "txt", run_id).files


def _text(store: Store, line: dict[str, Any]) -> bytes:
    return store.get(line["text_key"], line.get("text_version_id"))


def _write_txt(store: Store, out_dir: Path, lines: list[dict[str, Any]]) -> ExportResult:
    """`NNN_<hash16>.txt` per distinct text, oldest first, plus `manifest.jsonl` naming each file's documents.

    Each file holds exactly the stored text, so `sha256sum` of the file starts
    with the 16 hex digits in its name.
    """
    for stale in out_dir.iterdir():
        # Files of an earlier export would shift the numbering; only ours go.
        if _EXPORTED.fullmatch(stale.name):
            stale.unlink()
    result = ExportResult(documents=len(lines))
    index: list[dict] = []
    by_sha: dict[str, Path] = {}
    for line in lines:
        record = line["record"]
        sha = record["text_sha256"]
        path = by_sha.get(sha)
        if path is None:
            path = out_dir / f"{len(by_sha):03d}_{sha[:16]}.txt"
            path.write_bytes(_text(store, line))
            by_sha[sha] = path
            result.files.append(path)
        index.append({
            "file": path.name,
            "doc_id": record["doc_id"],
            "title": record["title"],
            "source_url": record["source_url"],
            "published": record.get("published"),
            "agency": record.get("agency"),
            "region_code": record["region"]["code"],
            "text_sha256": sha,
            "cluster_id": record.get("cluster_id"),
            "canonical_id": record.get("canonical_id"),
        })
    _write_lines(out_dir / "manifest.jsonl", index)
    return result


def _write_jsonl(store: Store, out_dir: Path, lines: list[dict[str, Any]]) -> ExportResult:
    """`corpus.jsonl`: each document's record with its text under `text`."""
    path = out_dir / "corpus.jsonl"
    _write_lines(path, (line["record"] | {"text": _text(store, line).decode("utf-8")} for line in lines))
    return ExportResult(files=[path], documents=len(lines))


def _write_parquet(store: Store, out_dir: Path, lines: list[dict[str, Any]]) -> ExportResult:
    """`corpus.parquet`: one row per document, the region flattened, duplicates as a list of structs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [_flat_row(line["record"], _text(store, line).decode("utf-8")) for line in lines]
    table = pa.Table.from_pylist(rows, schema=_parquet_schema(pa))
    path = out_dir / "corpus.parquet"
    pq.write_table(table, path, compression="zstd")
    return ExportResult(files=[path], documents=len(lines))


def _flat_row(record: dict[str, Any], text: str) -> dict[str, Any]:
    region = record.get("region") or {}
    return {
        "doc_id": record["doc_id"], "title": record["title"], "text": text,
        "text_sha256": record["text_sha256"], "source_url": record["source_url"], "site_id": record["site_id"],
        "agency": record.get("agency"), "region_code": region.get("code"), "province": region.get("province"),
        "city": region.get("city"), "county": region.get("county"), "level": record["level"],
        "plan_year": record.get("plan_year"), "published": record.get("published"),
        "written": record.get("written"), "doc_number": record.get("doc_number"),
        "index_number": record.get("index_number"), "doc_type": record["doc_type"],
        "fetched_at": record["fetched_at"], "cluster_id": record.get("cluster_id"),
        "canonical_id": record.get("canonical_id"),
        "duplicates": [{"doc_id": d.get("doc_id"), "url": d["url"], "sha256": d["sha256"],
                        "similarity": d["similarity"]} for d in record.get("duplicates", ())],
    }


def _parquet_schema(pa):
    """The Parquet columns, built on call so importing `archive.corpus.export` does not load pyarrow."""
    text = pa.string()
    duplicate = pa.struct([("doc_id", text), ("url", text), ("sha256", text), ("similarity", pa.float64())])
    names = ("doc_id", "title", "text", "text_sha256", "source_url", "site_id", "agency", "region_code", "province",
             "city", "county", "level")
    return pa.schema([(n, text) for n in names] + [("plan_year", pa.int32())]
                     + [(n, text) for n in ("published", "written", "doc_number", "index_number", "doc_type",
                                            "fetched_at", "cluster_id", "canonical_id")]
                     + [("duplicates", pa.list_(duplicate))])


def _write_lines(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
