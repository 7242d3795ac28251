"""Kinds of documents a commission publishes: work plans and the lookalikes around them."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from simweb import bodies, phrases
from simweb.bodies import Filler, field_name, region_name
from simweb.model import Paragraph, Site

Composer = Callable[[random.Random, Site, int, date, str], tuple[str, list[Paragraph]]]


class Kind(NamedTuple):
    """How one kind of document is titled, written and filed."""

    is_plan: bool
    numbered: bool  # carries a 文号
    columns: tuple[str, ...]  # column names it is filed under, in order of preference
    compose: Composer  # (rng, site, year, written, agency) -> (title, paragraphs)


def _annual_points(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    if rng.random() < 0.3:
        title = f"{agency}{year}年工作要点"
    else:
        title = f"{year}年{site.scope}{field_name(year)}工作要点"
    return title, bodies.annual_plan(rng, fill, year)


def _annual_points_notice(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    inner = f"{year}年{site.scope}{field_name(year)}工作要点"
    title = f"关于印发《{inner}》的通知" if rng.random() < 0.5 else f"关于印发{inner}的通知"
    return title, bodies.notice(rng, site, agency, written, inner, bodies.annual_plan(rng, fill, year))


def _key_tasks_notice(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    inner = f"{year}年{site.scope}{field_name(year)}重点工作任务"
    title = f"关于印发{year}年{field_name(year)}重点工作任务的通知"
    tasks = bodies.key_tasks(rng, fill, year, site.level)
    if site.tables:
        tasks += bodies.task_table(rng, fill, year, site.level)
    return title, bodies.notice(rng, site, agency, written, inner, tasks)


def _work_arrangement(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    word = rng.choice(("工作安排", "工作思路"))
    return f"{agency}{year}年{word}", bodies.work_plan(rng, fill, year)


def _tender(rng, site, year, written, agency):
    buyer = rng.choice(("", "")) + rng.choice(("武汉市", "贵阳市", "南宁市", "长沙市", "成都市", "石家庄市", "济南市", "郑州市")) + rng.choice(phrases.TENDER_BUYERS)
    item = rng.choice(phrases.TENDER_ITEMS)
    title = f"{buyer}{item}{rng.choice(('公开招标公告', '竞争性磋商公告', '中标结果公告', '询价公告'))}"
    return title, bodies.tender(rng, buyer, item, written)


def _work_plan(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    title = f"{agency}{year}年{'度' if rng.random() < 0.3 else ''}工作计划"
    return title, bodies.work_plan(rng, fill, year)


def _topic_points(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    topic = rng.choice(sorted(phrases.TOPICS))
    return f"{year}年{site.scope}{topic}工作要点", bodies.topic_plan(rng, fill, year, topic)


def _reform_tasks_notice(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    inner = f"{region_name(site)}深化医药卫生体制改革{year}年重点工作任务"
    return f"关于印发{inner}的通知", bodies.notice(rng, site, agency, written, inner, bodies.reform_tasks(rng, fill, year, site.level))


def _summary(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    if rng.random() < 0.5:
        title = f"{agency}{year}年工作总结"
    else:
        title = f"{year}年{site.scope}{field_name(year)}工作总结"
    return title, bodies.summary(rng, fill, year)


def _annual_report(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    return f"{agency}{year}年政府信息公开工作年度报告", bodies.annual_report(rng, fill, year)


def _recruitment(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    if rng.random() < 0.5:
        title = f"{year}年{agency}所属事业单位公开招聘工作人员公告"
    else:
        title = f"{agency}关于{year}年公开招聘编外工作人员的公告"
    return title, bodies.recruitment(rng, fill, agency, year)


def _epidemic_month(rng, site, year, written, agency):
    month = written.month - 1 or 12
    subject_year = year if written.month > 1 else year - 1
    fill = Filler(rng, site, subject_year, agency)
    return f"{subject_year}年{month}月{region_name(site)}法定传染病疫情概况", bodies.epidemic_month(rng, fill, month)


def _covid_report(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    return (
        f"{written.year}年{written.month}月{written.day}日{region_name(site)}新冠肺炎疫情情况",
        bodies.covid_report(rng, fill, written),
    )


def _meeting_news(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    field = field_name(year)
    title = rng.choice((f"{year}年{site.scope}{field}工作会议召开", f"{site.scope}{field}工作会议部署{year}年重点工作"))
    return title, bodies.meeting_news(rng, fill, year, written)


def _scheme(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    topic = rng.choice(sorted(phrases.SCHEME_TOPICS))
    inner = f"{region_name(site)}{topic}实施方案"
    return f"关于印发{inner}的通知", bodies.notice(rng, site, agency, written, inner, bodies.scheme(rng, fill, year, topic))


def _progress(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    return f"关于{year}年度{field_name(year)}重点工作任务落实情况的通报", bodies.progress_report(rng, fill, year)


def _publicity(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    return f"关于{year}年度{region_name(site)}优秀家庭医生签约服务团队推荐名单的公示", bodies.publicity(rng, fill, year, written)


def _call_for_points(rng, site, year, written, agency):
    fill = Filler(rng, site, year + 1, agency)
    paragraphs = [Paragraph(bodies.salutation(site, written.year), "salutation"), *bodies.call_for_points(fill)]
    return f"关于报送{year + 1}年工作要点的通知", paragraphs


def _interpretation(rng, site, year, written, agency):
    fill = Filler(rng, site, year, agency)
    inner = f"{year}年{site.scope}{field_name(year)}工作要点"
    title = rng.choice((f"《{inner}》政策解读", f"图解：{inner}", f"一图读懂《{inner}》"))
    return title, bodies.meeting_news(rng, fill, year, written)


def _consultation(rng, site, year, written, agency):
    fill = Filler(rng, site, year + 1, agency)
    inner = f"{year + 1}年{site.scope}{field_name(year + 1)}工作要点"
    title = rng.choice((f"关于《{inner}（征求意见稿）》公开征求意见的公告", f"{inner}（征求意见稿）"))
    opening = Paragraph(f"为广泛听取社会各界意见，现将《{inner}（征求意见稿）》全文公布，公开征求意见，截止时间为{year}年12月31日。")
    return title, [opening, *bodies.annual_plan(rng, fill, year + 1)]


PLAN_COLUMNS = ("规划计划", "政策文件", "通知公告")
NOTICE_COLUMNS = ("政策文件", "通知公告", "规划计划")
NEWS_COLUMNS = ("通知公告", "卫健动态")

KINDS: dict[str, Kind] = {
    "annual_points": Kind(True, False, PLAN_COLUMNS, _annual_points),
    "annual_points_notice": Kind(True, True, NOTICE_COLUMNS, _annual_points_notice),
    "key_tasks_notice": Kind(True, True, NOTICE_COLUMNS, _key_tasks_notice),
    "work_plan": Kind(True, False, PLAN_COLUMNS, _work_plan),
    "work_arrangement": Kind(True, False, PLAN_COLUMNS, _work_arrangement),
    "topic_points": Kind(True, False, PLAN_COLUMNS, _topic_points),
    "reform_tasks_notice": Kind(True, True, NOTICE_COLUMNS, _reform_tasks_notice),
    "summary": Kind(False, False, PLAN_COLUMNS, _summary),
    "annual_report": Kind(False, False, PLAN_COLUMNS, _annual_report),
    "recruitment": Kind(False, False, NEWS_COLUMNS, _recruitment),
    "epidemic_month": Kind(False, False, NEWS_COLUMNS, _epidemic_month),
    "covid_report": Kind(False, False, NEWS_COLUMNS, _covid_report),
    "meeting_news": Kind(False, False, NEWS_COLUMNS, _meeting_news),
    "scheme": Kind(False, True, NOTICE_COLUMNS, _scheme),
    "progress": Kind(False, True, ("通知公告", "规划计划", "卫健动态"), _progress),
    "publicity": Kind(False, False, NEWS_COLUMNS, _publicity),
    "call_for_points": Kind(False, False, ("通知公告", "规划计划"), _call_for_points),
    "tender": Kind(False, False, ("招标公告",), _tender),
    # The lookalikes of a plan the sites of list mechanics publish beside it: explained, drawn, or a draft.
    "interpretation": Kind(False, False, ("通知公告", "规划计划"), _interpretation),
    "consultation": Kind(False, False, ("通知公告", "规划计划"), _consultation),
}


def column_for(kind: str, site: Site) -> str | None:
    """The key of the column a site files this kind under, or None if it publishes no such thing."""
    names = {column.name: column.key for column in site.columns}
    for name in KINDS[kind].columns:
        if name in names:
            return names[name]
    return None
