"""Search: every document containing a query of two or more characters is found, and only those; the index follows
the store's manifests, re-reading only what changed."""

from __future__ import annotations

import json
import random

from typer.testing import CliRunner

from archive.corpus.manifest import read_manifest, write_manifest
from archive.corpus.search import SearchIndex, open_index
from archive.corpus.select import CorpusFilter
from cli.main import app
from tests.corpus.test_export import corpus  # noqa: F401  (the fixture)
from tests.corpus.test_history import edited
from tests.dedup.test_dedup import PROVINCE, ingest


def _texts(store):
    return {line["record"]["doc_id"]: (line["record"]["title"], store.get(line["text_key"]).decode("utf-8"))
            for line in read_manifest(store)}


def test_every_substring_query_finds_exactly_the_documents_holding_it(corpus, tmp_path):  # noqa: F811
    texts = _texts(corpus)
    rng = random.Random(7)
    queries = {"健康", "卫生", "，", "、推", "2024", "工作要点", "浙江省卫生健康委员会"}
    for _ in range(150):
        title, text = texts[rng.choice(sorted(texts))]
        source = rng.choice((title, text))
        size = rng.randint(2, 8)
        at = rng.randrange(max(1, len(source) - size))
        queries.add(source[at:at + size])
    with open_index(corpus, tmp_path / "index.sqlite") as index:
        for query in sorted(queries):
            expected = {d for d, (title, text) in texts.items() if query in title or query in text}
            found = index.search(query, CorpusFilter(include_duplicates=True), limit=100)
            assert {h.doc_id for h in found.hits} == expected, query
            assert found.total == len(expected)


def test_hits_carry_what_a_reader_needs(corpus, tmp_path):  # noqa: F811
    with open_index(corpus, tmp_path / "index.sqlite") as index:
        result = index.search("疫情救治")
    [hit] = result.hits
    assert hit.doc_id.startswith("hb-wjw-") and hit.title == "2023年湖北省卫生健康工作要点"
    assert hit.published == "2023-02-10" and hit.agency == "湖北省卫生健康委员会"
    assert hit.source_url.startswith("http") and hit.status == "live"
    start, end = hit.match
    assert hit.snippet[start:end] == "疫情救治" and "\n" not in hit.snippet


def test_filters_narrow_the_hits(corpus, tmp_path):  # noqa: F811
    with open_index(corpus, tmp_path / "index.sqlite") as index:
        assert index.search("工作要点").total == 3
        assert index.search("工作要点", CorpusFilter(include_duplicates=True)).total == 5
        assert index.search("工作要点", CorpusFilter(province="湖北")).total == 1
        assert index.search("工作要点", CorpusFilter(province="330000", year=2023)).total == 1
        assert index.search("工作要点", CorpusFilter(level="city", include_duplicates=True)).total == 1
        assert index.search("工作要点", CorpusFilter(status="removed")).total == 0


def test_the_index_rereads_only_changed_records_and_reads_their_status(corpus, tmp_path):  # noqa: F811
    path = tmp_path / "index.sqlite"
    with open_index(corpus, path) as index:
        assert index.search("主题活动").total == 1
    ingest(corpus, [(PROVINCE, edited())], segment="run-2")
    write_manifest(corpus, "run-2")
    with SearchIndex(path) as index:
        update = index.update(corpus)
        assert (update.added, update.changed, update.dropped, update.unchanged) == (0, 3, 0, 2)  # the edit also relinks its two copies
        assert index.search("主题活动").total == 0 and index.search("主题行动").total == 1
        # A record that carries the deletion state (written by the runs that track removals) is filtered by it.
        lines = list(read_manifest(corpus))
        gone = lines[0] | {"doc_version_id": "removed-1", "record": lines[0]["record"] | {"status": "removed"}}
        index.apply([gone, *lines[1:]], lambda line: corpus.get(line["text_key"]).decode("utf-8"))
        every = CorpusFilter(include_duplicates=True, status="all")
        removed = index.search("工作要点", CorpusFilter(include_duplicates=True, status="removed"))
        assert [h.doc_id for h in removed.hits] == [gone["record"]["doc_id"]] and removed.hits[0].status == "removed"
        assert index.search("工作要点", every).total == 5


def test_wjw_search_prints_json_and_rejects_unknown_filters(corpus, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("WJW_INDEX_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    result = runner.invoke(app, ["search", "健康", "--store", str(corpus.root), "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 3 and len(data["hits"]) == 2
    assert {"doc_id", "title", "published", "agency", "source_url", "snippet"} <= set(data["hits"][0])
    bad = runner.invoke(app, ["search", "健康", "--store", str(corpus.root), "--province", "Zhejiang"])
    assert bad.exit_code == 1 and "浙江省" in bad.output and "湖北省" in bad.output
    bad_year = runner.invoke(app, ["search", "健康", "--store", str(corpus.root), "--year", "20211"])
    assert bad_year.exit_code == 1 and "2023" in bad_year.output
    text = runner.invoke(app, ["search", "疫情救治", "--store", str(corpus.root)])
    assert text.exit_code == 0 and "1 document(s)" in text.output


def test_search_and_the_web_view_read_an_s3_store(s3_store, tmp_path):
    from starlette.testclient import TestClient

    from archive.corpus.web import create_app
    from tests.dedup.test_dedup import republications

    ingest(s3_store, republications())
    write_manifest(s3_store, "run-1")
    with open_index(s3_store, tmp_path / "index.sqlite") as index:
        result = index.search("工作要点", CorpusFilter(include_duplicates=True))
        assert result.total == 3
    client = TestClient(create_app(s3_store, tmp_path / "index.sqlite"))
    listing = client.get("/", params={"q": "工作要点"})
    assert listing.status_code == 200 and "1 document(s) contain" in listing.text  # the canonical copy
    page = client.get(f"/doc/{result.hits[0].doc_id}")
    assert page.status_code == 200 and result.hits[0].title in page.text
