"""Export the corpus as of a run as files a reader can open: txt like the seeds, JSON Lines, Parquet, or WACZ.

Every export reads one manifest and the exact record and text versions it pins,
so an export `--as-of` a run is the same whenever it is made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.corpus.manifest import read_manifest
from archive.corpus.numbering import document_numbers
from archive.corpus.select import CorpusFilter, lifecycle
from archive.store import Store

FORMATS = ("txt", "jsonl", "parquet", "wacz")

# Kept for callers of the first export API; the filter is shared with search and the web view.
ExportFilter = CorpusFilter


class ExportError(RuntimeError):
    """An export that would overwrite a file it did not write."""


@dataclass
class ExportResult:
    """What an export wrote."""

    files: list[Path] = field(default_factory=list)
    documents: int = 0


def selected_lines(store: Store, run_id: str | None, chosen: CorpusFilter) -> list[dict[str, Any]]:
    """The manifest lines an export covers, oldest publication first; FilterError for a value the corpus lacks."""
    every = list(read_manifest(store, run_id))
    chosen.validate(line["record"] for line in every)
    lines = [line for line in every if chosen.keeps(line["record"])]
    return sorted(lines, key=lambda line: (line["record"].get("published") or "", line["record"]["doc_id"]))


def citation(line: dict[str, Any]) -> str:
    """How to cite the archived document: GB/T 7714's form for an online resource, plus the archived version.

    责任者. 题名（文号）[EB/OL]. (发布日期)[存档时间]. URL. wjw version <id>.
    """
    record = line["record"]
    number = f"（{record['doc_number']}）" if record.get("doc_number") else ""
    published = f"({record['published']})" if record.get("published") else ""
    agency = record.get("agency") or record.get("site_id")
    return (f"{agency}. {record['title']}{number}[EB/OL]. {published}[{record.get('fetched_at', '')}]. "
            f"{record['source_url']}. wjw archive, docs/{record['doc_id']}.json version {line.get('doc_version_id')}.")


def export_fields(line: dict[str, Any]) -> dict[str, Any]:
    """What every exported record carries beyond the document record: its version, deletion state and citation."""
    return {"version_id": line.get("doc_version_id"), **lifecycle(line), "citation": citation(line)}


def export_corpus(store: Store, out_dir: Path, fmt: str = "txt", run_id: str | None = None,
                  chosen: CorpusFilter | None = None) -> ExportResult:
    """Export the corpus as of a run (default: the latest) in one of FORMATS."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    lines = selected_lines(store, run_id, chosen or CorpusFilter())
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "wacz":
        from archive.corpus.wacz import write_wacz

        return ExportResult(files=write_wacz(store, out_dir, lines, run_id), documents=len(lines))
    writer = {"txt": _write_txt, "jsonl": _write_jsonl, "parquet": _write_parquet}[fmt]
    return writer(store, out_dir, lines)


def export_txt(store: Store, out_dir: Path, run_id: str | None = None) -> list[Path]:
    """Write one text file per distinct text of the canonical documents, and an index of them."""
    return export_corpus(store, out_dir, "txt", run_id).files


def _text(store: Store, line: dict[str, Any]) -> bytes:
    return store.get(line["text_key"], line.get("text_version_id"))


def _write_txt(store: Store, out_dir: Path, lines: list[dict[str, Any]]) -> ExportResult:
    """`NNN_<hash16>.txt` per document, plus `manifest.jsonl` naming each file's document and citation.

    NNN is the document's number for good (archive.corpus.numbering), so a
    file keeps its name across exports; the hash changes with the text, and
    an earlier version's file stays. Each file holds exactly the stored text,
    so `sha256sum` of the file starts with the 16 hex digits in its name.
    Nothing in `out_dir` is deleted: a filtered export into the same directory
    adds its files and rewrites only `manifest.jsonl`.
    """
    numbers = document_numbers(store)
    result = ExportResult(documents=len(lines))
    index: list[dict] = []
    for line in lines:
        record = line["record"]
        sha = record["text_sha256"]
        path = out_dir / f"{numbers[record['doc_id']]:03d}_{sha[:16]}.txt"
        _write_once(path, _text(store, line))
        result.files.append(path)
        index.append({
            "file": path.name,
            "doc_id": record["doc_id"],
            "title": record["title"],
            "source_url": record["source_url"],
            "published": record.get("published"),
            "agency": record.get("agency"),
            "doc_number": record.get("doc_number"),
            "region_code": record["region"]["code"],
            "text_sha256": sha,
            "cluster_id": record.get("cluster_id"),
            "canonical_id": record.get("canonical_id"),
            **export_fields(line),
        })
    _write_lines(out_dir / "manifest.jsonl", index)
    return result


def _write_once(path: Path, data: bytes) -> None:
    """Write a text file named by its hash; an existing file must already hold exactly these bytes."""
    if path.exists():
        if path.read_bytes() != data:
            raise ExportError(f"{path}: exists with other content; move it away or export into another --out")
        return
    path.write_bytes(data)


def _write_jsonl(store: Store, out_dir: Path, lines: list[dict[str, Any]]) -> ExportResult:
    """`corpus.jsonl`: each document's record with its text under `text`."""
    path = out_dir / "corpus.jsonl"
    _write_lines(path, (line["record"] | export_fields(line) | {"text": _text(store, line).decode("utf-8")}
                        for line in lines))
    return ExportResult(files=[path], documents=len(lines))


def _write_parquet(store: Store, out_dir: Path, lines: list[dict[str, Any]]) -> ExportResult:
    """`corpus.parquet`: one row per document, the region flattened, duplicates as a list of structs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [_flat_row(line["record"], _text(store, line).decode("utf-8")) | export_fields(line) for line in lines]
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
                     + [("duplicates", pa.list_(duplicate))]
                     + [(n, text) for n in ("version_id", "first_seen", "last_seen", "status", "removed_at",
                                            "citation")])


def _write_lines(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
