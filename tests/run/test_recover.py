"""State is a cache: a broken one is rebuilt from the store; a write that loses a race merges, not drops."""

from __future__ import annotations

import json

import pytest

from archive.records import Document, Extractor, Region
from archive.run.ingest import Outcomes
from archive.run.recover import advance_state, load_or_rebuild
from archive.store.keys import doc_key, state_key
from archive.store.state import StateUnreadable, load_state, save_state


def _record(site_id: str, n: int) -> Document:
    return Document(doc_id=f"{site_id}-{n:012x}", title=f"2024年工作要点{n}", text_sha256="a" * 64,
                    text_key="text/aa/" + "a" * 64 + ".txt", source_url=f"http://x.gov.cn/{n}.html", site_id=site_id,
                    agency="某委", region=Region(code="420100"), level="city", plan_year=2024, published="2024-01-02", written=None,
                    doc_number=None, index_number=None, doc_type="work_points", encoding="utf-8",
                    fetched_at="2026-01-01T00:00:00Z", extractor=Extractor(name="wjw-extract", version="1"))


@pytest.mark.parametrize("broken", [b"", b"   ", b'{"documents": {', b"[1, 2]", b"\xff\xfe\x00garbage", b"null",
                                    b'{"documents": [], "listed": 3}', b'{"documents": {"u": 1}}'])
def test_a_broken_state_names_its_key_and_is_rebuilt_from_the_records(broken, local_store):
    for n in range(3):
        record = _record("sim-a", n)
        local_store.put(doc_key(record.doc_id), json.dumps(record.to_dict()).encode("utf-8"))
    # A record of another site whose id starts the same way is not this site's.
    other = _record("sim-a-b", 9)
    local_store.put(doc_key(other.doc_id), json.dumps(other.to_dict()).encode("utf-8"))
    local_store.put(state_key("sim-a"), broken)
    with pytest.raises(StateUnreadable) as raised:
        load_state(local_store, "sim-a")
    assert "state/sites/sim-a.json" in str(raised.value) and "\n" not in str(raised.value)
    warnings = []
    state = load_or_rebuild(local_store, "sim-a", warnings.append)
    assert sorted(state.documents) == [f"http://x.gov.cn/{n}.html" for n in range(3)]
    assert len(warnings) == 1
    save_state(local_store, state)  # written over the broken bytes
    assert load_state(local_store, "sim-a").documents == state.documents


def test_a_write_that_loses_the_race_is_merged(local_store):
    save_state(local_store, load_state(local_store, "sim-x"))
    first = Outcomes(settled={"http://a/1.html"})
    second = Outcomes(settled={"http://a/2.html"}, documents={"http://a/3.html": {
        "doc_id": "sim-x-3", "text_sha256": "b" * 64, "first_seen": "2026-01-02T00:00:00Z",
        "last_seen": "2026-01-02T00:00:00Z"}})
    racing = load_state(local_store, "sim-x")  # read before the other writer's write
    advance_state(local_store, "sim-x", first.apply)
    assert second.apply(racing)
    with pytest.raises(Exception, match="changed by another run"):
        save_state(local_store, racing)
    advance_state(local_store, "sim-x", second.apply)
    state = load_state(local_store, "sim-x")
    assert state.listed == ["http://a/1.html", "http://a/2.html"] and "http://a/3.html" in state.documents


def test_state_rebuild_command_writes_the_rebuilt_state(simweb, local_store, tmp_path):
    from typer.testing import CliRunner

    from cli.main import app
    from testkit.faults import write_registry

    row = simweb.registry_rows()[0]
    registry = write_registry(tmp_path / "sites.yaml", [row])
    for n in range(2):
        record = _record(row["id"], n)
        local_store.put(doc_key(record.doc_id), json.dumps(record.to_dict()).encode("utf-8"))
    local_store.put(state_key(row["id"]), b"\x00 torn")
    result = CliRunner().invoke(app, ["state", "rebuild", row["id"], "--store", str(local_store.root),
                                      "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    assert f"{row['id']}: 2 documents" in result.output
    assert len(load_state(local_store, row["id"]).documents) == 2
