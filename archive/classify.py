"""Decide from a title whether a document is a work plan, and say why.

The rules live here only: the spider uses them to pick candidates from list
pages, the archive to type each stored document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Title forms commissions use for annual plans (工作要点 is by far the most
# common; 重点工作任务 is the 医改 form; 工作思路/工作安排 appear at county level).
_PLAN = re.compile(r"工作要点|工作计划|重点工作任务|重点任务|工作安排|工作思路|工作重点")

# Lookalikes that share the words but are not plans. Order matters: the first
# match names the reason.
_NOT_PLAN = (
    # 政策解读, 图解, 一图读懂, 答记者问: pages that explain a plan published elsewhere.
    ("interpretation", re.compile(r"解读|图解|一图读懂|图说|读懂|答记者问|问答|新闻发布会")),
    # Drafts for comment are not the final plan; a cut title may end at 征求… or 征求意….
    ("consultation", re.compile(r"征求|意见征集|征集意见|草案|送审稿|讨论稿|意见稿")),
    ("progress_report", re.compile(r"总结|完成情况|落实情况|进展情况|执行情况|自查报告|述职|成效")),
    ("recruitment", re.compile(r"招聘|招录|遴选|录用|公示.*人员|拟聘")),
    ("procurement", re.compile(r"采购|招标|中标|比选|询价|成交")),
    ("epidemic_report", re.compile(r"疫情|新增.*病例|通报.*病例")),
    # News about a plan: the meeting that set it out, the visit that checked it.
    ("news", re.compile(r"召开|部署会|推进会|座谈会|专题会|动员会|观摩会|培训班")),
    # 关于报送2024年工作要点的通知 asks subordinate units for their plans; it is not one.
    ("submission_request", re.compile(r"报送|上报|征集")),
)

# How list pages cut a long title short: an ellipsis, three dots, or dots of a fixed-width column.
_CUT_END = re.compile(r"(?:…+|\.{2,}|·{2,}|。{2,}|⋯+)\s*$")

# How whole titles end: the document's form (通知, 要点, 报告 …) or a closing bracket or date.
_WHOLE_END = re.compile(
    r"(?:通知|通告|公告|要点|计划|报告|方案|意见|办法|总结|安排|任务|通报|决定|函|批复|公示|说明|细则|规定|规划|思路|"
    r"重点|纲要|目录|名单|清单|指南|简报|消息|活动|会议|[）)》」\]】\d号])\s*$")

_YEAR = re.compile(r"(20[0-4]\d|19[89]\d)\s*(?:年|—|-|－)")


@dataclass(frozen=True)
class Classification:
    """A title's verdict: the document type and the rule that decided it."""

    doc_type: str
    is_plan: bool
    reason: str


def classify_title(title: str) -> Classification:
    """Classify a document by its title alone."""
    compact = re.sub(r"\s+", "", title or "")
    if not compact:
        return Classification("unknown", False, "empty_title")
    for doc_type, pattern in _NOT_PLAN:
        if pattern.search(compact):
            return Classification(doc_type, False, "not_a_work_plan")
    match = _PLAN.search(compact)
    if match:
        notice = compact.startswith(("关于印发", "印发", "关于下发", "转发")) or "通知" in compact
        return Classification("work_plan_notice" if notice else "work_plan", True, f"title:{match.group(0)}")
    return Classification("other", False, "not_a_work_plan")


def title_is_cut(title: str) -> bool:
    """True when a list title ends in the ellipsis of a list that cut it short."""
    return bool(_CUT_END.search(title or ""))


def cut_titles(titles: list[str]) -> set[str]:
    """The titles of one list page that its list cut short.

    Besides an ellipsis, a list may cut every long title at one fixed width
    with no mark at all; then several titles share the page's longest length
    while the shorter ones vary, and those at that length are cut.
    """
    cut = {t for t in titles if title_is_cut(t)}
    # Some lists count characters, others display width (a hanzi is two columns, a digit one).
    for measure in (len, _display_width):
        lengths = [measure(re.sub(r"\s+", "", t)) for t in titles]
        if len(lengths) < 4:
            break
        width = max(lengths)
        at_width = [t for t, n in zip(titles, lengths) if n == width]
        if len(at_width) >= 3 and len(set(lengths)) >= 3 and width >= 12:
            # Titles that merely share a length end as titles end (…的通知, …年度报告); cut ones stop mid-word.
            cut |= {t for t in at_width if not _WHOLE_END.search(t)}
    return cut


def _display_width(text: str) -> int:
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def possible_plan(title: str, cut: bool) -> bool:
    """Whether a listed title may be a plan: a plan's title, or a cut one no lookalike rule refuses.

    A cut title ("关于印发《2024年全市卫生健康工作…") hides the words that decide;
    the detail page's full title decides instead, so it is fetched.
    """
    verdict = classify_title(title)
    return verdict.is_plan or (cut and verdict.doc_type == "other")


def plan_year(title: str) -> int | None:
    """The year a plan is for, from its title (2019年…工作要点 → 2019)."""
    match = _YEAR.search(title or "")
    return int(match.group(1)) if match else None
