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
    ("progress_report", re.compile(r"总结|完成情况|落实情况|进展情况|执行情况|自查报告|述职|成效")),
    ("recruitment", re.compile(r"招聘|招录|遴选|录用|公示.*人员|拟聘")),
    ("procurement", re.compile(r"采购|招标|中标|比选|询价|成交")),
    ("epidemic_report", re.compile(r"疫情|新增.*病例|通报.*病例")),
    ("consultation", re.compile(r"征求.*意见|意见征集")),
    # 关于报送2024年工作要点的通知 asks subordinate units for their plans; it is not one.
    ("submission_request", re.compile(r"报送|上报|征集")),
)

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


def plan_year(title: str) -> int | None:
    """The year a plan is for, from its title (2019年…工作要点 → 2019)."""
    match = _YEAR.search(title or "")
    return int(match.group(1)) if match else None
