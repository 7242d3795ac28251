"""Completeness: serials parsed from 索引号 and 文号, and the gaps below the highest seen, against simweb's truth."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from archive.corpus.gaps import GapsError, Serial, corpus_gaps, parse_serial
from cli.main import app
from simweb import build_world
from simweb.truth import ground_truth, unpublished_serials
from tests.corpus.test_export import corpus  # noqa: F401  (the fixture)


def test_serials_are_read_from_both_numbers_in_their_printed_forms():
    assert parse_serial("index_number", "000014349/2021-00012") == Serial("index_number", "000014349", 2021, 12)
    assert parse_serial("index_number", "11330000002482207T/2023-00345").serial == 345
    assert parse_serial("doc_number", "浙卫发〔2021〕12号") == Serial("doc_number", "浙卫发", 2021, 12)
    assert parse_serial("doc_number", "鄂卫通[2020] 第3号") == Serial("doc_number", "鄂卫通", 2020, 3)
    assert parse_serial("doc_number", "国办发明电〔2020〕") is None and parse_serial("doc_number", None) is None


def _line(doc_id, site_id, **numbers):
    return {"record": {"doc_id": doc_id, "site_id": site_id, "agency": "某卫健委", **numbers}}


def test_gaps_are_the_numbers_below_the_highest_that_no_document_carries():
    lines = [_line("a", "s", doc_number="某卫发〔2021〕3号", index_number="ORG/2021-00002"),
             _line("b", "s", doc_number="某卫发〔2021〕6号"), _line("c", "t", doc_number="他卫〔2020〕1号"),
             _line("d", "s", doc_number="某卫发〔2021〕4号", status="removed")]
    series = corpus_gaps(lines, site="s")
    by_kind = {s.kind: s for s in series}
    # A removed document was still published: its number is not a gap.
    assert by_kind["doc_number"].missing == [1, 2, 5] and by_kind["doc_number"].missing_ranges() == [(1, 2), (5, 5)]
    assert by_kind["index_number"].missing == [1] and by_kind["index_number"].seen == {2: "a"}
    with pytest.raises(GapsError, match="s, t"):
        corpus_gaps(lines, site="nowhere")
    with pytest.raises(GapsError, match="2021"):
        corpus_gaps(lines, site="s", year=2020)


def test_a_perfect_archive_of_simwebs_plans_finds_every_unpublished_serial_below_its_highest():
    world = build_world()
    base = {site.id: f"http://127.77.0.{n}:8477/" for n, site in enumerate(world.sites, start=1)}
    rows = [r for r in ground_truth(world, 0, base) if r["is_plan"] and not (r["duplicate_group"] and r["canonical_url"]
                                                                          and r["canonical_url"] != r["url"])]
    lines = [_line(r["url"], r["site_id"], doc_number=r["doc_number"], index_number=r["index_number"]) for r in rows]
    found = {(s.site_id, s.kind, s.year): s for s in corpus_gaps(lines)}
    truth = unpublished_serials(world)
    assert truth, "simweb must skip serials"
    published = {(s.site_id, s.kind, s.year, n) for s in found.values() for n in s.seen}
    assert not published & {(t["site_id"], t["kind"], t["year"], t["serial"]) for t in truth}
    within = [t for t in truth if (key := (t["site_id"], t["kind"], t["year"])) in found and t["serial"] < max(found[key].seen)]
    assert len(within) > 100
    assert all(t["serial"] in found[(t["site_id"], t["kind"], t["year"])].missing for t in within)


def test_wjw_gaps_prints_lines_and_json(corpus, tmp_path):  # noqa: F811
    runner = CliRunner()
    result = runner.invoke(app, ["gaps", "--store", str(corpus.root), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []  # the fixture's pages print no 索引号 or 文号
    bad = runner.invoke(app, ["gaps", "--store", str(corpus.root), "--site", "nowhere"])
    assert bad.exit_code == 1 and "nowhere" in bad.output
