"""Exports: txt like the seeds, JSON Lines and Parquet; one copy per plan unless asked; as of a run."""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from archive.corpus.export import ExportFilter, export_corpus, export_fields
from archive.corpus.manifest import ManifestError, read_manifest, write_manifest
from cli.main import app
from tests.corpus.test_history import edited
from tests.dedup.test_dedup import (
    BODY_2023,
    OTHER_PROVINCE,
    PROVINCE,
    capture,
    ingest,
    republications,
)

HUBEI = [
    "各市、州、直管市、神农架林区卫生健康委，委机关各处室、直属各单位：",
    "一、推进疫后重振。加快补齐公共卫生短板，建设省级重大疫情救治基地，完善城乡三级医疗服务网络。",
    "二、推进健康湖北行动。实施慢性病综合防控，开展癌症早诊早治，推动全民健康生活方式行动。",
    "三、推进医疗卫生服务体系建设。打造区域医疗高地，支持县级医院提标扩能，夯实乡村医疗卫生基础。",
    "四、推进智慧医疗。建设全民健康信息平台，推广电子健康卡，发展互联网医院和远程医疗。",
]


@pytest.fixture
def corpus(local_store):
    """Three copies of Zhejiang's 2024 plan, Zhejiang's 2023 plan and Hubei's 2023 plan; manifest run-1."""
    pages = republications() + [
        (PROVINCE, capture(PROVINCE, "/art/2023/2/1/art_1_7.html", "2023年全省卫生健康工作要点", BODY_2023,
                           "浙江省卫生健康委员会", "2023-02-01")),
        (OTHER_PROVINCE, capture(OTHER_PROVINCE, "/fbjd/tzgg/202302/t1.shtml", "2023年湖北省卫生健康工作要点",
                                 HUBEI, "湖北省卫生健康委员会", "2023-02-10")),
    ]
    ingest(local_store, pages)
    write_manifest(local_store, "run-1")
    return local_store


@pytest.fixture
def removed_corpus(corpus):
    """The export fixture's corpus after Hubei's plan answered 404 on the revisits that confirm a removal."""
    import dataclasses

    from archive.records import SiteReport
    from archive.run.ingest import Outcomes, doc_id_for, observe_gone, removal_nights
    from archive.run.recover import load_or_rebuild

    url = OTHER_PROVINCE.base_url.rstrip("/") + "/fbjd/tzgg/202302/t1.shtml"
    seen = load_or_rebuild(corpus, OTHER_PROVINCE.id).documents.get(url) or {
        "doc_id": doc_id_for(OTHER_PROVINCE.id, url), "last_seen": "2026-11-24T06:00:00Z"}
    gone = {"gone": removal_nights() - 1, "gone_since": "2026-11-26T02:00:00Z"}
    page = capture(OTHER_PROVINCE, "/fbjd/tzgg/202302/t1.shtml", "x", [], None, "2026-11-28")
    not_found = dataclasses.replace(page, status=404, body=b"<h1>404</h1>", fetched_at="2026-11-28T02:00:00Z")
    observe_gone(corpus, url, seen | gone, not_found, SiteReport(OTHER_PROVINCE.id), Outcomes())
    write_manifest(corpus, "run-3")
    return corpus


def test_txt_writes_one_file_per_plan_named_by_its_hash(corpus, tmp_path):
    out = tmp_path / "txt"
    result = export_corpus(corpus, out, "txt")
    assert result.documents == 3 and len(result.files) == 3
    for path in result.files:
        assert hashlib.sha256(path.read_bytes()).hexdigest().startswith(path.stem.split("_")[1])
    index = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {row["doc_id"].split("-")[0] for row in index} == {"zj", "hb"}
    assert all(row["citation"] and row["status"] == "live" and row["version_id"] for row in index)
    with_copies = export_corpus(corpus, tmp_path / "all", "txt", chosen=ExportFilter(include_duplicates=True))
    # One file per document, so each keeps its own number; the aggregator's copy holds the province's very text.
    assert with_copies.documents == 5 and len(with_copies.files) == 5
    assert len({p.name.split("_")[1] for p in with_copies.files}) == 4
    assert sorted(p.name[:4] for p in with_copies.files) == ["000_", "001_", "002_", "003_", "004_"]


def test_a_document_keeps_its_number_and_an_export_deletes_nothing(corpus, tmp_path):
    out = tmp_path / "txt"
    before = {_doc(p): p.name for p in export_corpus(corpus, out, "txt", chosen=ExportFilter(include_duplicates=True)).files}
    # A later run adds a plan published before all the others and edits one: no other file is renamed.
    older = capture(OTHER_PROVINCE, "/fbjd/tzgg/202001/t0.shtml", "2020年湖北省卫生健康工作要点", HUBEI[:3],
                    "湖北省卫生健康委员会", "2020-01-05")
    ingest(corpus, [(PROVINCE, edited()), (OTHER_PROVINCE, older)], segment="run-2")
    write_manifest(corpus, "run-2")
    foreign = out / "999_0123456789abcdef.txt"
    foreign.write_text("a reader's own note", encoding="utf-8")
    after = {_doc(p): p.name for p in export_corpus(corpus, out, "txt", chosen=ExportFilter(include_duplicates=True)).files}
    assert {d: n[:4] for d, n in after.items() if d in before} == {d: n[:4] for d, n in before.items()}
    [added] = set(after) - set(before)
    assert after[added].startswith("005_")
    edited_doc = next(d for d in before if before[d] != after[d])
    assert before[edited_doc][:4] == after[edited_doc][:4]
    # The filtered export adds its files; the earlier export's, the old version's and the reader's stay.
    export_corpus(corpus, out, "txt", chosen=ExportFilter(province="湖北"))
    assert foreign.exists() and all((out / name).exists() for name in [*before.values(), *after.values()])


def _doc(path):
    index = [json.loads(line) for line in (path.parent / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    return next(row["doc_id"] for row in index if row["file"] == path.name)


def test_filters_by_year_and_province(corpus, tmp_path):
    def doc_ids(**kw):
        export_corpus(corpus, tmp_path / "j", "jsonl", chosen=ExportFilter(**kw))
        rows = (tmp_path / "j" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
        return sorted(json.loads(row)["site_id"] for row in rows)

    assert doc_ids(year=2023) == ["hb-wjw", "zj-wsjkw"]
    assert doc_ids(year=2024) == ["zj-wsjkw"]
    assert doc_ids(province="湖北") == ["hb-wjw"]
    assert doc_ids(province="330000", year=2024, include_duplicates=True) == ["bid-portal", "hz-wjw", "zj-wsjkw"]


def test_jsonl_and_parquet_carry_record_and_text(corpus, tmp_path):
    export_corpus(corpus, tmp_path, "jsonl")
    rows = [json.loads(line) for line in (tmp_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(hashlib.sha256(r["text"].encode("utf-8")).hexdigest() == r["text_sha256"] for r in rows)
    export_corpus(corpus, tmp_path, "parquet", chosen=ExportFilter(include_duplicates=True))
    table = pq.read_table(tmp_path / "corpus.parquet")
    assert table.num_rows == 5
    data = table.to_pylist()
    canonical = {r["canonical_id"] for r in data if r["cluster_id"]}
    assert len(canonical) == 1 and canonical.pop().startswith("zj-wsjkw-")
    assert all("版权所有" not in r["text"] for r in data)
    assert max(len(r["duplicates"]) for r in data) == 2
    assert all(r["version_id"] and r["status"] == "live" and r["removed_at"] is None for r in data)
    # When the archive first and last found each document served: its capture, for a document seen once.
    assert all(r["first_seen"] and r["first_seen"] <= r["last_seen"] for r in data)


def test_duckdb_reads_the_parquet_with_its_citations(corpus, tmp_path):
    import duckdb

    export_corpus(corpus, tmp_path, "parquet", chosen=ExportFilter(include_duplicates=True))
    rows = duckdb.sql(f"SELECT province, count(*) AS n, min(citation) AS c FROM '{tmp_path / 'corpus.parquet'}' "
                      "WHERE status = 'live' GROUP BY province ORDER BY province").fetchall()
    assert [(p, n) for p, n, _ in rows] == [("浙江省", 4), ("湖北省", 1)]
    cited = {p: c for p, _, c in rows}["湖北省"]
    assert cited.startswith("湖北省卫生健康委员会. 2023年湖北省卫生健康工作要点[EB/OL]. (2023-02-10)")
    assert "http" in cited and "version" in cited


def test_the_status_filter_reads_the_deletion_state(corpus, tmp_path):
    assert export_corpus(corpus, tmp_path / "r", "jsonl", chosen=ExportFilter(status="removed")).documents == 0
    assert export_corpus(corpus, tmp_path / "a", "jsonl", chosen=ExportFilter(status="all")).documents == 3
    line = next(iter(read_manifest(corpus)))
    gone = line | {"record": line["record"] | {"status": "removed", "first_seen": "2026-11-20T02:30:00Z",
                                               "last_seen": "2026-11-24T02:30:00Z", "removed_at": "2026-11-25"}}
    live, removed = ExportFilter(include_duplicates=True), ExportFilter(status="removed", include_duplicates=True)
    assert not live.keeps(gone["record"]) and removed.keeps(gone["record"])
    fields = export_fields(gone)
    assert (fields["status"], fields["removed_at"], fields["first_seen"], fields["last_seen"]) == (
        "removed", "2026-11-25", "2026-11-20T02:30:00Z", "2026-11-24T02:30:00Z")
    assert fields["citation"].endswith("Removed from the source: last seen 2026-11-24T02:30:00Z, first found gone 2026-11-25.")


def test_duckdb_reads_a_removed_document_with_when_it_went(removed_corpus, tmp_path):
    import duckdb

    export_corpus(removed_corpus, tmp_path, "parquet", chosen=ExportFilter(status="removed"))
    rows = duckdb.sql(f"SELECT title, status, first_seen, last_seen, removed_at, version_id, citation "
                      f"FROM '{tmp_path / 'corpus.parquet'}'").fetchall()
    assert len(rows) == 1
    title, status, first_seen, last_seen, removed_at, version_id, cited = rows[0]
    assert (title, status, removed_at) == ("2023年湖北省卫生健康工作要点", "removed", "2026-11-26T02:00:00Z")
    assert first_seen <= last_seen < removed_at and version_id in cited
    assert cited.endswith(f"Removed from the source: last seen {last_seen}, first found gone {removed_at}.")


def test_as_of_an_older_run_exports_the_text_of_then(corpus, tmp_path):
    ingest(corpus, [(PROVINCE, edited())], segment="run-2")
    write_manifest(corpus, "run-2")
    then = export_corpus(corpus, tmp_path / "then", "jsonl", run_id="run-1")
    now = export_corpus(corpus, tmp_path / "now", "jsonl")
    assert then.documents == now.documents == 3

    def texts(folder):
        return " ".join(json.loads(r)["text"] for r in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines())

    assert "主题活动" in texts(tmp_path / "then") and "主题行动" in texts(tmp_path / "now")
    with pytest.raises(ManifestError):
        export_corpus(corpus, tmp_path / "x", "jsonl", run_id="no-such-run")


def test_an_unchanged_run_points_at_the_manifest_before(corpus):
    key, count = write_manifest(corpus, "run-2")
    assert key == "manifests/run-1.jsonl.gz" and count == 5
    assert not corpus.exists("manifests/run-2.jsonl.gz")


def test_wjw_export_cli(corpus, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--store", str(corpus.root), "--out", str(tmp_path / "p"),
                                 "--format", "parquet", "--year", "2023", "--province", "浙江"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "p" / "corpus.parquet").num_rows == 1
    bad = runner.invoke(app, ["export", "--store", str(corpus.root), "--format", "csv"])
    assert bad.exit_code == 1 and "csv" in bad.output
    missing = runner.invoke(app, ["export", "--store", str(corpus.root), "--out", str(tmp_path / "q"),
                                  "--as-of", "nope"])
    assert missing.exit_code == 1 and "nope" in missing.output
    for option, value, listed in (("--province", "Zhejiang", "浙江省"), ("--year", "20211", "2024"),
                                  ("--level", "village", "province"), ("--status", "gone", "removed")):
        bad = runner.invoke(app, ["export", "--store", str(corpus.root), "--out", str(tmp_path / "b"), option, value])
        assert bad.exit_code == 1 and value in bad.output and listed in bad.output, bad.output
        assert not (tmp_path / "b" / "corpus.jsonl").exists()
