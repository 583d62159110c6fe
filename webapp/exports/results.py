"""What an evaluation result (绩效考核结果) says besides its score and grade, in the regulation's words: how it
was graded when the materials were late or false (Art. 19.4), that it was withdrawn, and what follows from a
failed one (Art. 19.3) — the rectification, as long as the diagram said, and its last day, or, for the review at
the end of it, the loss of recognition. The operator's notice of the result says the same (tasks/lifecycle.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tasks.lifecycle import rectification_text
from webapp.engine.runtime import restore
from webapp.extensions import db
from webapp.models import Evaluation, MakerSpace, ProcessInstance, PublicNotice, SpaceStatusChange

# Where the evaluation case keeps the length of rectification its diagram gave the publishing step.
PERIOD_KEY = "rectification_period"


def notes(evaluation: Evaluation) -> list[str]:
    found = []
    if evaluation.materials_late:
        found.append("未按规定时间提供考核资料，视为不合格（第十九条第四项）")
    if evaluation.materials_false:
        found.append("提供虚假考核资料，视为不合格（第十九条第四项）")
    if evaluation.withdrawn:
        found.append("公示期间异议成立，该结果已撤回")
    return found


def consequence(evaluation: Evaluation, space: MakerSpace) -> str:
    """What a failed result means for the space ("" for any other, and for a withdrawn one)."""
    if evaluation.grade != "fail" or evaluation.withdrawn:
        return ""
    if _under_rectification(space.id, evaluation.at):  # the review at the end of the year of rectification
        return "本次为整改期满后的复核考核，仍未达到合格标准，公示期满后取消其众创空间资格（第十九条第三项）。"
    # The period the diagram gave the step that published the result, from the notice's end as it stands now
    # (entering a year's holidays may have moved it): what the notification named and what the lifecycle's
    # 进入整改期 counts.
    words, until = rectification_text(_rectification_period(evaluation), _notice_end(evaluation))
    length = f"整改期为{words}，" if words else ""
    return (f"该众创空间限期整改，{length}自考核结果公示期满起算{until}；"
            "整改期满仍未达到合格标准的，取消其众创空间资格（第十九条第三项）。")


def _under_rectification(space_id: int, at: datetime) -> bool:
    """Was the space in its year of rectification when it was evaluated (its status just before)?"""
    status = db.session.scalar(select(SpaceStatusChange.new_status).where(
        SpaceStatusChange.space_id == space_id, SpaceStatusChange.at <= at)
        .order_by(SpaceStatusChange.at.desc(), SpaceStatusChange.id.desc()).limit(1))
    return status == "rectification"


def _notice_end(evaluation: Evaluation) -> datetime | None:
    """When the result's public notice ends (published with the result, by the same case)."""
    query = select(PublicNotice.ends_at).where(
        PublicNotice.subject_type == "space", PublicNotice.subject_id == evaluation.space_id,
        PublicNotice.starts_at <= evaluation.at, PublicNotice.ends_at.is_not(None))
    if evaluation.instance_id is not None:
        query = query.where(PublicNotice.instance_id == evaluation.instance_id)
    return db.session.scalar(query.order_by(PublicNotice.starts_at.desc(), PublicNotice.id.desc()).limit(1))


def _rectification_period(evaluation: Evaluation) -> str:
    """The length of rectification (an ISO duration) the evaluation's case was given by its diagram when it
    published the result: from the case's data, its latest value ("" for a case published by a diagram from
    before the length was a parameter). Read only for a failed result's PDF, so the case is restored rarely."""
    instance = db.session.get(ProcessInstance, evaluation.instance_id) if evaluation.instance_id else None
    if instance is None:
        return ""
    workflow = restore(instance)
    if PERIOD_KEY in workflow.data:  # an ended case: its last data
        return str(workflow.data[PERIOD_KEY] or "")
    holding = [task for task in workflow.get_tasks() if PERIOD_KEY in task.data]
    latest = max(holding, key=lambda task: task.last_state_change, default=None)
    return str(latest.data[PERIOD_KEY] or "") if latest else ""
