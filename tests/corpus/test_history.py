"""Versions: an edited page makes a new version of its record, both readable, with the diff shown;
an unchanged re-run writes nothing."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from cli.main import app
from archive.corpus.history import document_history, pick_version, text_diff
from archive.run.ingest import doc_id_for
from tests.dedup.test_dedup import BODY_2024, PROVINCE, TITLE, all_versions, capture, ingest, record

EDITED = [line.replace("主题活动", "主题行动") for line in BODY_2024]


def original():
    return capture(PROVINCE, "/art/2024/3/1/art_1_1.html", TITLE, BODY_2024, "浙江省卫生健康委员会", "2024-03-01")


def edited():
    return dataclasses.replace(
        capture(PROVINCE, "/art/2024/3/1/art_1_1.html", TITLE, EDITED, "浙江省卫生健康委员会", "2024-03-01"),
        fetched_at="2026-11-25T06:00:00Z")


@pytest.mark.parametrize("store_fixture", ["local_store", "s3_store"])
def test_an_edit_makes_a_second_version_with_a_diff(request, store_fixture):
    store = request.getfixturevalue(store_fixture)
    ingest(store, [(PROVINCE, original())], segment="day-0")
    report = ingest(store, [(PROVINCE, edited())], segment="day-1")
    assert report.changed == 1
    doc_id = doc_id_for(PROVINCE.id, original().url)
    history = document_history(store, doc_id)
    assert [v.number for v in history] == [1, 2]
    assert [v.change for v in history] == ["first", "text"]
    assert history[0].text_sha256 != history[1].text_sha256
    assert history[0].modified <= history[1].modified
    old, new = (store.get(v.text_key).decode("utf-8") for v in history)
    assert "主题活动" in old and "主题行动" in new
    patch = text_diff(store, pick_version(history, "1"), pick_version(history, "-1"))
    assert "-三、提升医疗服务质量。开展改善就医感受提升患者体验主题活动" in patch
    assert "+三、提升医疗服务质量。开展改善就医感受提升患者体验主题行动" in patch
    assert record(store, PROVINCE, original()).text_sha256 == history[1].text_sha256


def test_wjw_history_lists_versions_and_shows_the_diff(local_store):
    ingest(local_store, [(PROVINCE, original())], segment="day-0")
    ingest(local_store, [(PROVINCE, edited())], segment="day-1")
    doc_id = doc_id_for(PROVINCE.id, original().url)
    result = CliRunner().invoke(app, ["history", doc_id, "--store", str(local_store.root)])
    assert result.exit_code == 0, result.output
    history = document_history(local_store, doc_id)
    for version in history:
        assert version.version_id in result.output and version.text_sha256[:16] in result.output
    assert "+三、提升医疗服务质量。开展改善就医感受提升患者体验主题行动" in result.output
    missing = CliRunner().invoke(app, ["history", "no-such-doc", "--store", str(local_store.root)])
    assert missing.exit_code == 1 and "no such document" in missing.output


def test_an_unchanged_rerun_of_the_pipeline_writes_no_archive_object(simweb, local_store):
    from archive.run.pipeline import run_pipeline
    from tests.run.test_pipeline import NIGHTLY, two_sites

    sites = two_sites(simweb)
    first = run_pipeline(local_store, sites, NIGHTLY)
    before = all_versions(local_store)
    second = run_pipeline(local_store, sites, NIGHTLY)
    after = all_versions(local_store)
    # A run always leaves its own WARC (the raw evidence of what it fetched) and its report, and takes and
    # gives back each site's lease (coordination, not archive content).
    own = {key for key in after if key not in before and key.startswith(("warc/", f"runs/{second.run_id}/"))}
    content = lambda versions: {k: n for k, n in versions.items() if not k.startswith("leases/")}  # noqa: E731
    assert {key: n for key, n in content(after).items() if key not in own} == content(before)
    assert second.manifest_key == first.manifest_key
