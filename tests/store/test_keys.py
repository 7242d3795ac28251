"""Every store key is named in one module and parses back to what named it."""

from datetime import date, datetime, timezone

from archive.store import keys


def test_every_key_parses_back_to_what_named_it():
    sha = "ab" + "0" * 62
    when = datetime(2026, 12, 3, 2, 30, tzinfo=timezone.utc)
    warc = keys.parse_warc_key(keys.warc_key("20261203T023000Z-1a2b", "hb-wjw", when))
    assert warc.day == date(2026, 12, 3)
    assert warc.site_among({"wjw", "hb-wjw", "wh-wjw"}) == "hb-wjw"  # the longest known suffix wins
    assert warc.run_id_for("hb-wjw") == "20261203T023000Z-1a2b"
    assert keys.content_address(keys.text_key(sha)) == sha
    assert keys.content_address(keys.blob_key(sha)) == sha
    assert keys.doc_id_of(keys.doc_key("hb-wjw-0123456789ab")) == "hb-wjw-0123456789ab"
    assert keys.site_of_state(keys.state_key("hb-wjw")) == "hb-wjw"
    assert keys.site_of_lease(keys.lease_key("hb-wjw")) == "hb-wjw"
    assert keys.run_of_manifest(keys.manifest_key("20261203T023000Z-1a2b")) == "20261203T023000Z-1a2b"
    assert keys.run_of_report(keys.report_key("20261203T023000Z-1a2b")) == "20261203T023000Z-1a2b"
    assert keys.log_of(keys.log_key("20261203T023000Z-1a2b", "hb-wjw")) == ("20261203T023000Z-1a2b", "hb-wjw")
    assert keys.index_segment_key("x").startswith(keys.INDEX_SEGMENT_PREFIX)


def test_keys_of_other_kinds_or_malformed_parse_to_nothing():
    assert keys.parse_warc_key("warc/2026/13/40/x-hb-wjw.warc.gz") is None  # no such day
    assert keys.content_address("text/cd/" + "ab" + "0" * 62 + ".txt") is None  # fan-out disagrees with the name
    assert keys.content_address("text/ab/not-a-digest.txt") is None
    assert keys.is_content_addressed("text/ab/not-a-digest.txt")
    assert keys.run_of_manifest(keys.LATEST_MANIFEST) is None
    assert keys.run_of_report("runs/x/logs/hb-wjw.log.gz") is None
    assert keys.doc_id_of("docs/a/b.json") is None
