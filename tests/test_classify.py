"""The work-plan rules: what real commissions title their plans, and the lookalikes."""

import pytest

from archive.classify import classify_title, cut_titles, plan_year, possible_plan, title_is_cut

PLANS = [
    "2017年全市卫生和计划生育工作要点",
    "关于印发《2019年全区卫生健康工作要点》的通知",
    "贵州省深化医药卫生体制改革领导小组关于印发贵州省深化医药卫生体制改革2022年度重点工作任务的通知",
    "XX区卫生健康局2023年工作计划",
    "2021年卫生健康工作安排",
    "2024年全县卫生健康工作思路",
]
NOT_PLANS = [
    ("2018年卫生健康工作总结", "progress_report"),
    ("关于2019年工作要点落实情况的报告", "progress_report"),
    ("2020年市卫生健康委公开招聘工作计划", "recruitment"),
    ("上海2022年4月25日新增本土新冠肺炎确诊病例", "epidemic_report"),
    ("市卫健委召开全市卫生健康工作会议", "news"),
    ("2023年医疗设备采购计划", "procurement"),
    ("关于报送2026年工作要点的通知", "submission_request"),
    # Titles of the kinds real sites list beside their plans (Henan, Guizhou, Wuhan columns).
    ("《2024年全省卫生健康工作要点》政策解读", "interpretation"),
    ("图解：2023年全市卫生健康工作要点", "interpretation"),
    ("一图读懂《2022年深化医改重点工作任务》", "interpretation"),
    ("关于《2025年全区卫生健康工作要点（征求意见稿）》公开征求意见的公告", "consultation"),
    ("关于2025年全市卫生健康工作要点（征求…", "consultation"),
    ("2024年卫生健康工作计划（草案）", "consultation"),
    ("市卫健委召开2024年工作要点部署会", "news"),
]


@pytest.mark.parametrize("title", PLANS)
def test_plan_titles_are_plans(title):
    verdict = classify_title(title)
    assert verdict.is_plan, title
    assert verdict.reason.startswith("title:")


@pytest.mark.parametrize(("title", "doc_type"), NOT_PLANS)
def test_lookalikes_are_not_plans(title, doc_type):
    verdict = classify_title(title)
    assert not verdict.is_plan
    assert verdict.doc_type == doc_type
    assert verdict.reason == "not_a_work_plan"


def test_notice_carrying_a_plan_is_typed_as_notice():
    assert classify_title("关于印发2021年卫生健康重点工作任务的通知").doc_type == "work_plan_notice"
    assert classify_title("2017年全市卫生和计划生育工作要点").doc_type == "work_plan"


def test_empty_title_has_its_own_reason():
    assert classify_title("  ").reason == "empty_title"


@pytest.mark.parametrize(
    ("title", "year"),
    [("2019年全区卫生健康工作要点", 2019), ("深化医药卫生体制改革2022年度重点工作任务", 2022), ("工作要点", None)],
)
def test_plan_year_comes_from_the_title(title, year):
    assert plan_year(title) == year


def test_cut_titles_are_marked_by_their_ellipsis():
    assert title_is_cut("关于印发《2024年全市卫生健康工作…")
    assert title_is_cut("关于印发2024年全市卫生健康工作要点的...")
    assert not title_is_cut("2024年全市卫生健康工作要点")


def test_a_list_that_cuts_at_a_fixed_width_has_its_cut_titles_found():
    titles = ["关于印发2024年全市卫生健康工作", "关于开展2024年世界卫生日宣传活", "关于公布2023年度全市卫生健康系",
              "关于做好春节期间工作的通知", "市卫健委召开全体会议", "义诊活动"]
    assert cut_titles(titles) == set(titles[:3])
    assert cut_titles(["2024年工作要点", "义诊活动的通知", "招聘公告"]) == set()


def test_a_cut_title_is_a_possible_plan_unless_a_lookalike_rule_refuses_it():
    assert possible_plan("关于印发《2024年全市卫生健康工作…", cut=True)
    assert not possible_plan("关于印发《2024年全市卫生健康工作…", cut=False)
    assert not possible_plan("关于2025年全市卫生健康工作要点（征求…", cut=True)
    assert not possible_plan("2024年公开招聘卫生专业技术人员…", cut=True)
