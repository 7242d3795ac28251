"""A world of K copies of the registry's sites, for the scale benchmark (bench/scale.py)."""

from __future__ import annotations

from simweb import SimWeb, build_world


def test_copies_add_sites_of_their_own_and_keep_the_first_copy_as_it_was():
    one, two = build_world(), build_world(copies=2)

    assert two.sites[:len(one.sites)] == one.sites and two.documents[:len(one.documents)] == one.documents
    ids = [site.id for site in two.sites]
    assert len(set(ids)) == 2 * len(one.sites) and f"{one.sites[0].id}-k2" in ids
    second = [doc for doc in two.documents if doc.site_id.endswith("-k2")]
    texts = {doc.revisions[0].paragraphs for doc in one.documents}
    # Drawn from their own random streams: not copies of the first copy's texts (one short notice may coincide).
    same = [doc for doc in second if doc.revisions[0].paragraphs in texts]
    assert second and len(same) <= len(second) // 100
    assert {f.fault for f in two.faults if f.site_id.endswith("-k2")} == {f.fault for f in one.faults}


def test_every_copy_is_served_on_a_loopback_host_of_its_own():
    with SimWeb(build_world(copies=2)) as web:
        hosts = {web.host(site.id) for site in web.sites}
        truth_sites = {row["site_id"] for row in web.truth()}
    assert len(hosts) == len(web.sites) and all(host.startswith("127.") for host in hosts)
    assert truth_sites == {site.id for site in web.sites}
