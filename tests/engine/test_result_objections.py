"""Objections to an evaluation result (Art. 19.2) as to a recognition shortlist (Art. 8): one that comes in
while another is investigated waits its turn and is investigated after it; each objection's decision is
kept on its own row; an upheld one settles those still waiting."""

from __future__ import annotations

from types import SimpleNamespace

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Objection, PublicNotice
from webapp.notices import objections

from .test_lifecycle_scenarios import end_result_notice, expert_score
from .test_regulation_in_full import _evaluation_case, scored_evaluation


def _form(objector: str, reasons: str):
    """What the portal's objection form hands over (the fields `lodge` reads)."""
    field = SimpleNamespace
    return SimpleNamespace(objector=field(data=objector), objector_kind=field(data="individual"),
                           contact=field(data="13900000000"), reasons=field(data=reasons))


def _object(case, objector: str, reasons: str) -> Objection:
    """An objection lodged through the portal's service, to the result notice of `case`."""
    notice = db.session.scalars(select(PublicNotice).where(PublicNotice.instance_id == case.instance_id)).one()
    objections.lodge(None, _form(objector, reasons), instance=case.instance, notice_id=notice.id)
    db.session.commit()
    return db.session.scalars(select(Objection).where(Objection.objector == objector)).one()


def _result_notice(harness, score: int):
    h = scored_evaluation(harness, lambda e: expert_score(e, score))
    h.complete("confirm_grade")
    return h, _evaluation_case(h)


def test_a_second_objection_to_a_result_waits_and_is_investigated_after_the_first(harness):
    h, case = _result_notice(harness, 75)
    first = _object(case, "张三", "在孵企业数量不实")
    assert h.ready() == ["investigate_result_objection"] and not first.queued
    second = _object(case, "李四", "服务收入虚报")  # during the investigation: it used to be refused
    assert second.queued and second.refused_reason == ""
    h.complete("investigate_result_objection", objection_findings="经核实不属实")
    h.complete("decide_result_objection", objection_upheld=False, objection_answer="第一件异议不成立")
    # the second is investigated before the notice runs on, without the first one's findings
    assert h.ready() == ["investigate_result_objection"]
    data = case.task_data("investigate_result_objection")
    assert data["objection"]["objector"] == "李四" and data["objection_findings"] == ""
    h.complete("investigate_result_objection", objection_findings="收入凭证齐全")
    h.complete("decide_result_objection", objection_upheld=False, objection_answer="第二件异议不成立")
    assert h.ready() == []
    db.session.expire_all()
    rows = {o.objector: (o.queued, o.upheld, o.answer) for o in db.session.scalars(select(Objection))}
    assert rows == {"张三": (False, False, "第一件异议不成立"), "李四": (False, False, "第二件异议不成立")}
    end_result_notice(h)
    assert h.awards == [("evaluation", 300000)]  # the notice ran to its end: the award follows


def test_an_upheld_objection_to_a_result_settles_the_ones_waiting(harness):
    h, case = _result_notice(harness, 90)
    first = _object(case, "张三", "孵化数据不实")
    waiting = _object(case, "李四", "场地已转租")
    assert waiting.queued
    h.complete("investigate_result_objection", objection_findings="核实：在孵企业数量虚报")
    h.complete("decide_result_objection", objection_upheld=True, objection_answer="异议成立，撤回结果重新评审")
    assert h.ready() == ["evaluation_material_review"]  # reviewed and scored again
    db.session.expire_all()
    assert (first.upheld, first.answer) == (True, "异议成立，撤回结果重新评审")
    assert not waiting.queued and waiting.upheld is None
    assert waiting.refused_reason == Objection.SETTLED_RESULT_WITHDRAWN
    with current_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        told = objections.refusal_text(waiting.refused_reason)
    assert "重新" in told and "不予认定" not in told  # not the recognition's wording
    end_result_notice(h)
    assert h.awards == []


def test_the_history_names_an_objection_to_a_result_as_the_diagram_does(harness):
    """The result notice waits at an event-based gateway (its end, or an objection): the history reads the
    catching event's name, 收到异议, as the recognition notice's does, not the message's identifier."""
    from webapp.models import AuditEvent

    h, case = _result_notice(harness, 75)
    _object(case, "张三", "在孵企业数量不实")
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == case.instance_id, AuditEvent.action == "message")
        .order_by(AuditEvent.id.desc())).first()
    assert event.title == "收到异议" and event.detail["message"] == "objection"


def test_experts_scoring_again_read_why(harness):
    """A walk of the demo: after an upheld objection the experts scored again without knowing what the objection
    had found (evidence missed the first time); the step now says, without the objector's name."""
    from uuid import UUID

    from webapp.engine.runtime import Runtime
    from webapp.engine.sandbox import render_instructions

    h, case = _result_notice(harness, 90)
    _object(case, "张三", "漏计两项国家级奖项")
    h.complete("investigate_result_objection", objection_findings="奖项证书属实，初评漏计")
    h.complete("decide_result_objection", objection_upheld=True, objection_answer="异议成立，重新评分")
    h.complete("evaluation_material_review", materials_false=False, material_comments="齐全")
    h.complete("organise_evaluation", panel_experts=list(harness.expert_ids[:3]))
    expert = case.open_tasks()[0]
    assert expert.task_spec == "evaluation_score"
    task = Runtime().load(case.instance).get_task_from_id(UUID(expert.task_guid))
    shown = render_instructions(task.task_spec.documentation, task.data)  # as the expert's page renders it
    assert shown.startswith("考核结果公示期间异议成立，原考核结果已撤回，本次为重新评分")
    assert "漏计两项国家级奖项" in shown and "奖项证书属实，初评漏计" in shown and "张三" not in shown


def test_the_notice_s_end_reads_as_the_timer_alone(harness):
    """A walk of the demo: the history read 定时触发 收到异议、公示期满 at the notice's end — the objection's boundary
    event, cancelled on the way, counted as fired, as if an objection had come."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import AuditEvent

    from .test_recognition_scenarios import start, to_public_notice

    h = start(harness)
    to_public_notice(h, harness.expert_ids[:3])
    h.advance(days=14)
    assert h.done
    titles = db.session.scalars(select(AuditEvent.title).where(
        AuditEvent.instance_id == h.instance_id, AuditEvent.action == "timer")).all()
    assert titles == ["公示中"], titles  # the notice's timer, by its name in the diagram
