"""Near-duplicate clustering: pairwise F1 and canonical choice on republications, and the index's growth cost.

Quality: every work plan of simweb's day 0 (its ground truth names duplicate
groups: a province's plan, its city's republication, a tender aggregator's
copy, and which page is the source) goes through the same dedup index the
archive uses, in a shuffled order so the source is often not the first seen.
Pairs in one predicted cluster are compared with pairs in one true group;
`canonical_ok` is the share of true groups whose cluster's canonical member is
the source page. If simweb's truth has no duplicate groups, synthetic
republications are used instead (a plan, a city copy with a forwarding
preface and small edits, an aggregator copy with tender-site chrome), and the
output says so.

Cost: N, then 2N synthetic documents go through the index as an archive
would take them: several runs, each loading the index from a store, adding
its documents and appending a segment. The ratio of the two times is near 2
when adding a document costs the same however large the archive is.

With ``--crawl``, the sites of simweb's duplicate groups are also crawled, extracted and archived by
``run_pipeline`` and the clusters in the resulting manifest are measured the same way.

Run: ``uv run python bench/dedup.py [--n 2000] [--crawl]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.dedup.index import DedupIndex, member_for  # noqa: E402
from archive.store import LocalStore  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "dedup.json"
RUNS = 4

# Material for synthetic plans: stock openings and clauses the way commissions write them, so distinct plans
# share phrases as real ones do.
_TASKS = ["深化医药卫生体制改革", "加强公共卫生体系建设", "提升医疗服务质量", "促进中医药传承创新发展", "实施人口发展战略",
          "推进健康城市建设", "加强卫生健康人才队伍建设", "推进智慧医疗建设", "加强基层医疗卫生服务", "做好重大疾病防控",
          "加强妇幼健康服务", "推进医养结合", "加强职业健康保护", "深化爱国卫生运动", "强化综合监督执法"]
_VERBS = ["推进", "完善", "健全", "落实", "加强", "深化", "实施", "推动", "开展", "提升", "建立", "优化"]
_OBJECTS = ["紧密型县域医共体", "分级诊疗制度", "家庭医生签约服务", "公立医院高质量发展", "疾病预防控制体系", "传染病监测预警",
            "检查检验结果互认", "中医优势专科", "普惠托育服务", "健康素养促进行动", "全民健康信息平台", "远程医疗服务网络",
            "院前急救体系", "精神卫生服务", "老年健康服务体系", "药品耗材集中采购", "医保支付方式改革", "临床重点专科",
            "乡村医生队伍", "卫生应急队伍", "食品安全风险监测", "出生缺陷综合防治", "慢性病综合防控", "癌症早诊早治"]
_GOALS = ["提高服务可及性", "确保各项任务落到实处", "切实减轻群众负担", "形成可复制可推广的经验", "全面提升治理能力",
          "筑牢公共卫生防线", "不断增强人民群众获得感", "推动优质资源扩容下沉", "持续改善就医体验"]
_PLACES = ["浙江省", "湖北省", "江苏省", "山东省", "四川省", "广东省", "河南省", "湖南省"]
_CHROME = ["招标", "金额", "-", "项目地址", "-", "发布时间", "公告摘要", "项目编号-", "预算金额-", "招标公司-", "公告正文"]


def synthetic_plan(rng: random.Random, place: str, year: int, sentences: int = 14) -> str:
    """One plan: a preamble, then numbered tasks of three clauses each, drawn from the stock material."""
    lines = [f"各市、县（市、区）卫生健康局：现将《{year}年{place}卫生健康工作要点》印发给你们，请认真贯彻落实。"]
    for number, task in enumerate(rng.sample(_TASKS, k=min(sentences, len(_TASKS))), start=1):
        clauses = [f"{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}" for _ in range(3)]
        lines.append(f"{number}、{task}。{'，'.join(clauses)}，{rng.choice(_GOALS)}。"
                     f"到{year}年底，{rng.choice(_OBJECTS)}覆盖率达到{rng.randint(60, 99)}%以上。")
    return "\n".join(lines)


def small_edits(rng: random.Random, text: str, edits: int = 3) -> str:
    """A republisher's touch: a few characters changed."""
    chars = list(text)
    for _ in range(edits):
        i = rng.randrange(len(chars))
        if chars[i] not in "\n、。，":
            chars[i] = rng.choice("的和与及等")
    return "".join(chars)


def synthetic_truth(rng: random.Random, groups: int = 40, singles: int = 200) -> list[dict]:
    """Rows shaped like simweb's truth: duplicate groups of province, city and aggregator pages, and single plans."""
    rows = []
    for g in range(groups):
        place, year = rng.choice(_PLACES), rng.randint(2016, 2025)
        text = synthetic_plan(rng, place, year)
        source = f"https://prov{g}.gov.cn/art/{year}/1.html"
        agency = f"{place}卫生健康委员会"
        rows.append(_row(source, f"p{g}", agency, "province", agency, f"{year}-02-01", year, text, f"g{g}", source))
        city = f"{place[:-1]}某市卫生健康委员会"
        preface = f"各区卫生健康局：现将{place}卫生健康委员会印发的工作要点转发给你们，请结合实际抓好落实。\n"
        rows.append(_row(f"https://city{g}.gov.cn/art/{year}/2.html", f"c{g}", city, "city", agency, f"{year}-02-05",
                         year, preface + small_edits(rng, text), f"g{g}", source))
        rows.append(_row(f"https://www.bid.example.com/{g}.html", "bid", "采招汇招标采购信息网", "national", agency,
                         f"{year}-02-03", year, "\n".join(_CHROME) + "\n" + small_edits(rng, text), f"g{g}", source))
    for s in range(singles):
        place, year = rng.choice(_PLACES), rng.randint(2016, 2025)
        agency = f"{place}卫生健康委员会"
        rows.append(_row(f"https://single{s}.gov.cn/art/{year}/9.html", f"s{s}", agency, "province", agency,
                         f"{year}-03-01", year, synthetic_plan(rng, place, year), None, None))
    return rows


def _row(url, site_id, site_name, level, agency, published, year, text, group, canonical):
    return {"url": url, "site_id": site_id, "site_name": site_name, "level": level, "agency": agency,
            "published": published, "plan_year": year, "text": text, "duplicate_group": group,
            "canonical_url": canonical}


def simweb_truth() -> list[dict] | None:
    """Day 0's work plans from simweb's ground truth, with site names; None if it names no duplicate groups."""
    try:
        from simweb import build_world
        from simweb.truth import ground_truth
    except ImportError:
        return None
    world = build_world()
    bases = {site.id: f"http://{site.id}.sim" for site in world.sites}
    rows = [r for r in ground_truth(world, 0, bases) if r["is_plan"]]
    if not any(r.get("duplicate_group") for r in rows):
        return None
    for r in rows:
        site = world.site(r["site_id"])
        r["site_name"], r["level"] = site.name, site.level
    return rows


def cluster_quality(rows: list[dict], seed: int = 0) -> dict:
    """Pairwise precision, recall, F1 and the canonical share of one pass of `rows` through the index."""
    import hashlib

    index = DedupIndex()
    order = list(rows)
    random.Random(seed).shuffle(order)
    for r in order:
        sha = hashlib.sha256(r["text"].encode("utf-8")).hexdigest()
        index.add(member_for(r["url"], r["url"], r["text"], sha, r["site_id"], r["site_name"], r["url"], r["level"],
                             r["agency"], r["published"], r["plan_year"]), r["text"])
    predicted: dict[str, set[str]] = defaultdict(set)
    canonical: dict[str, str] = {}
    for r in rows:
        cluster = index.cluster(r["url"])
        if cluster.cluster_id:
            predicted[cluster.cluster_id].add(r["url"])
            canonical[r["url"]] = cluster.canonical.url
    truth: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.get("duplicate_group"):
            truth[r["duplicate_group"]].add(r["url"])

    def pairs(groups):
        return {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}

    got, want = pairs(predicted), pairs(truth)
    hit = len(got & want)
    precision = hit / len(got) if got else 1.0
    recall = hit / len(want) if want else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    sources = {r["duplicate_group"]: r["canonical_url"] for r in rows if r.get("duplicate_group")}
    right = [g for g, source in sources.items() if all(canonical.get(u) == source for u in truth[g])]
    wrong = [{"group": g, "source": s, "chosen": sorted({canonical.get(u) for u in truth[g]}, key=str)}
             for g, s in sources.items() if g not in right]
    return {"documents": len(rows), "true_groups": len(truth), "predicted_clusters": len(predicted),
            "true_pairs": len(want), "predicted_pairs": len(got), "precision": round(precision, 4),
            "recall": round(recall, 4), "pair_f1": round(f1, 4),
            "canonical_ok": round(len(right) / len(sources), 4) if sources else 1.0,
            "false_pairs": [sorted(p) for p in list(got - want)[:5]],
            "missed_pairs": [sorted(p) for p in list(want - got)[:5]], "wrong_canonical": wrong[:5]}


def crawled_quality() -> dict | None:
    """The same measures on what the archive made of simweb: every site of a duplicate group crawled,
    extracted and ingested by `run_pipeline`, clusters read from the manifest. Pages the crawl did not reach
    are left out of both sides."""
    from archive.run.crawl import CrawlOptions
    from archive.corpus.manifest import read_manifest
    from archive.run.pipeline import run_pipeline
    from archive.registry import sites_from_rows
    from simweb import SimWeb, build_world

    fast = (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False), ("LOG_LEVEL", "WARNING"))
    with SimWeb(build_world(), day=0) as web, tempfile.TemporaryDirectory() as folder:
        truth = [r for r in web.truth() if r["is_plan"]]
        wanted = {r["site_id"] for r in truth if r.get("duplicate_group")}
        if not wanted:
            return None
        sites = [s for s in sites_from_rows(web.registry_rows()) if s.id in wanted]
        store = LocalStore(folder)
        run_pipeline(store, sites, CrawlOptions(mode="nightly", settings=fast), workers=4)
        records = {line["record"]["source_url"]: line["record"] for line in read_manifest(store)}
    truth = [r for r in truth if r["site_id"] in wanted]
    rows = [r for r in truth if r["url"] in records]
    predicted: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if records[r["url"]]["cluster_id"]:
            predicted[records[r["url"]]["cluster_id"]].add(r["url"])
    groups: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.get("duplicate_group"):
            groups[r["duplicate_group"]].add(r["url"])
    got = {frozenset(p) for g in predicted.values() for p in itertools.combinations(sorted(g), 2)}
    want = {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}
    hit = len(got & want)
    precision, recall = (hit / len(got) if got else 1.0), (hit / len(want) if want else 1.0)
    sources = {r["duplicate_group"]: r["canonical_url"] for r in rows
               if r.get("duplicate_group") and r["canonical_url"] in records}
    right = [g for g, source in sources.items()
             if all(records[u]["canonical_id"] == records[source]["doc_id"] for u in groups[g])]
    all_groups = {r["duplicate_group"] for r in truth if r.get("duplicate_group")}
    return {"sites": len(sites), "plans_in_truth": len(truth), "plans_archived": len(rows),
            "groups": len(all_groups), "groups_with_source_archived": len(sources),
            "precision": round(precision, 4), "recall": round(recall, 4),
            "pair_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
            "canonical_ok": round(len(right) / len(sources), 4) if sources else 1.0,
            "missing_sources": sorted(set(all_groups) - set(sources))}


def time_growth(n: int, seed: int = 1) -> float:
    """Seconds to take `n` distinct documents into a stored index over RUNS runs."""
    rng = random.Random(seed)
    docs = [(f"doc-{i}", synthetic_plan(rng, rng.choice(_PLACES), rng.randint(2000, 2025))) for i in range(n)]
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore(folder)
        started = time.perf_counter()
        for run in range(RUNS):
            index = DedupIndex.from_store(store)
            for doc_id, text in docs[run * n // RUNS:(run + 1) * n // RUNS]:
                index.add(member_for(doc_id, f"https://x.gov.cn/{doc_id}.html", text, doc_id, "x",
                                     "某省卫生健康委员会", "https://x.gov.cn/", "province", None, None, None), text)
            index.flush(store, f"run-{run}")
        return time.perf_counter() - started


def figures(quick: bool = False) -> dict:
    """Pair F1 of the clusters on simweb's truth (synthetic republications where it names none), for bench/e2e.py."""
    rows = simweb_truth()
    if rows is None:
        rows = synthetic_truth(random.Random(0))
    return {"pair_f1": cluster_quality(rows)["pair_f1"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="documents in the first timing (the second has 2N)")
    parser.add_argument("--crawl", action="store_true",
                        help="also crawl simweb's duplicate-group sites through the whole pipeline (about 30 s)")
    args = parser.parse_args()

    rows = simweb_truth()
    source = "simweb"
    if rows is None:
        source = "synthetic"
        print("simweb's truth names no duplicate groups: measuring on synthetic republications instead")
        rows = synthetic_truth(random.Random(0))
    quality = cluster_quality(rows)
    synthetic = cluster_quality(synthetic_truth(random.Random(0))) if source == "simweb" else quality
    print(f"{source}: {quality['documents']} plans, {quality['true_groups']} duplicate groups, "
          f"{quality['predicted_clusters']} clusters found; precision {quality['precision']} "
          f"recall {quality['recall']} canonical {quality['canonical_ok']}")
    for key in ("false_pairs", "missed_pairs", "wrong_canonical"):
        for item in quality[key][:3]:
            print(f"  {key}: {item}")
    if source == "simweb":
        print(f"synthetic republications: pair_f1 {synthetic['pair_f1']} canonical {synthetic['canonical_ok']}")

    crawled = crawled_quality() if args.crawl and source == "simweb" else None
    if crawled:
        print(f"simweb through the pipeline: {crawled['plans_archived']} of {crawled['plans_in_truth']} plans archived "
              f"from {crawled['sites']} sites; pair_f1 {crawled['pair_f1']} (precision {crawled['precision']}, "
              f"recall {crawled['recall']}); canonical {crawled['canonical_ok']} over "
              f"{crawled['groups_with_source_archived']} of {crawled['groups']} groups whose source page was archived")

    time_growth(200)  # warm-up: imports, numpy, first-call costs
    t_n = time_growth(args.n)
    t_2n = time_growth(2 * args.n)
    ratio = t_2n / t_n
    print(f"index growth: {args.n} documents in {t_n:.2f}s, {2 * args.n} in {t_2n:.2f}s over {RUNS} runs each")

    results = {"source": source, "quality": quality, "synthetic": synthetic, "crawled": crawled,
               "timing": {"n": args.n, "runs": RUNS, "t_n": round(t_n, 3), "t_2n": round(t_2n, 3),
                          "ratio": round(ratio, 3)}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    print(f"pair_f1={quality['pair_f1']:.4f} canonical_ok={quality['canonical_ok']:.4f} n={args.n} "
          f"t_n={t_n:.2f} t_2n={t_2n:.2f} ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
