"""Issue 6, part A: the regulation's rules as the text says them, run on the real diagrams.

Credit check (Art. 8, Art. 20), score caps (Art. 19.1), the award after the result notice (Art. 19.2–3),
Art. 16's award on its own path, the application deadline of the round (Art. 8), and what the case says
it waits for (its current step)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.models import Application, Award, HumanTask, MakerSpace, Notification, User

from .test_lifecycle_scenarios import (
    end_result_notice,
    expert_score,
    first_evaluation,
    live,
    live_until,
)
from .test_recognition_scenarios import START_DATA, eligible_facts
from .test_recognition_scenarios import expert_score as recognition_score


@pytest.fixture(autouse=True)
def operator_account(harness):
    """Someone at the applicant organisation, so what the applicant is told can be read."""
    user = User(username="operator", display_name="运营机构", role="applicant", password_hash="x",
                organisation_id=harness.organisation.id, unit_id=harness.unit.id)
    db.session.add(user)
    db.session.commit()
    return user


def _through_panel(h, experts, *, blacklisted=False, abnormal=False):
    h.complete("submit_application", **eligible_facts())
    h.complete("recommender_review", recommender_decision="recommend", recommender_comments="同意",
               recommendation_letter="推荐函")
    h.complete("material_review", material_decision="complete", material_comments="齐全")
    h.complete("organise_review", panel_experts=list(experts))
    h.complete("credit_check", credit_blacklisted=blacklisted, credit_abnormal=abnormal,
               credit_notes="信用中国查询结果" if blacklisted or abnormal else "")


def test_a_blacklisted_applicant_ends_unrecognised_with_the_reason(harness):
    h = harness("recognition", data=dict(START_DATA))
    experts = harness.expert_ids[:3]
    _through_panel(h, experts, blacklisted=True)
    # the diagram ends the case at once: no expert, inspection or shortlist is left open
    assert h.done and h.ready() == []
    application = db.session.get(Application, h.instance.subject_id)
    assert application.status == "credit_failed"
    assert "失信黑名单" in application.outcome_reason and "经营异常名录" not in application.outcome_reason
    cancelled = db.session.scalars(select(HumanTask.task_spec).where(
        HumanTask.instance_id == h.instance_id, HumanTask.status == "cancelled")).all()
    assert sorted(cancelled) == sorted(["site_inspection"] + ["expert_review"] * 3)
    told = db.session.scalars(select(Notification.text)).all()
    assert any("信用审查未通过" in t and "失信黑名单" in t for t in told), told
    assert db.session.scalar(select(MakerSpace.id)) is None


def test_an_abnormal_operations_listing_also_ends_the_case(harness):
    h = harness("recognition", data=dict(START_DATA))
    _through_panel(h, harness.expert_ids[:3], abnormal=True)
    application = db.session.get(Application, h.instance.subject_id)
    assert h.done and application.status == "credit_failed" and "经营异常名录" in application.outcome_reason


def test_a_clean_credit_check_goes_on_to_the_shortlist(harness):
    h = harness("recognition", data=dict(START_DATA))
    experts = harness.expert_ids[:3]
    _through_panel(h, experts)
    for e in experts:
        h.complete("expert_review", assignee=e, expert_score=recognition_score(e, 80))
    h.complete("site_inspection", site_inspection_passed=True, site_inspection_report="一致")
    assert h.ready() == ["shortlist_decision"]


def test_an_application_not_submitted_when_its_round_closes_lapses(harness):
    unit_user = User(username="bureau", display_name="推荐单位", role="recommender", password_hash="x",
                     unit_id=harness.unit.id)
    db.session.add(unit_user)
    db.session.commit()
    h = harness("recognition", data=dict(START_DATA))
    closes = harness.round.closes_at
    h.advance_to((closes - (closes - clock.now()) / 2).isoformat())
    assert h.ready() == ["submit_application"]
    h.advance_to(closes.isoformat())
    h.advance(seconds=1)
    assert h.done
    application = db.session.get(Application, h.instance.subject_id)
    assert application.status == "lapsed" and "前提交" in application.outcome_reason
    # the recommending unit never saw it: it is not told (a review found it was)
    assert db.session.scalars(select(Notification).where(Notification.user_id == unit_user.id)).all() == []


def scored_evaluation(harness, sheet):
    """A space at its first evaluation, self-assessed, reviewed, and scored by three experts, each
    handing in `sheet(expert_id)`; waiting at the approver's confirmation."""
    experts = harness.expert_ids[:3]
    h = first_evaluation(harness)
    h.complete("self_assessment", self_assessment="自评")
    h.complete("evaluation_material_review", materials_false=False, material_comments="齐全")
    h.complete("organise_evaluation", panel_experts=list(experts))
    for e in experts:
        h.complete("evaluation_score", assignee=e, expert_score=sheet(e))
    return h


def test_a_sheet_of_100_plus_30_gives_at_most_120(harness):
    # every item at its maximum, plus bonus items adding up to 30
    h = scored_evaluation(harness, lambda e: {
        "expert_id": e, "base": 100, "bonus": 30, "total": 130, "comments": "满分"})
    data = _evaluation_case(h).data
    assert data["panel_score"] == 120.0
    assert all(s["total"] == 120.0 and s["capped"] for s in data["expert_scores"])
    assert data["grade"] == "excellent"


def test_a_sheet_with_only_a_total_is_capped_too(harness):
    h = scored_evaluation(harness, lambda e: {"expert_id": e, "total": 500, "comments": ""})
    assert _evaluation_case(h).data["panel_score"] == 120.0


def test_an_award_is_granted_only_after_its_notice_ends(harness):
    h = scored_evaluation(harness, lambda e: expert_score(e, 90))
    h.complete("confirm_grade")
    assert h.awards == []  # the result notice has just opened
    told = db.session.scalars(select(Notification.text).order_by(Notification.id.desc())).first()
    assert "优秀" in told and "40 万元" in told and "公示" in told
    h.advance(days=1)
    assert h.awards == []
    end_result_notice(h)
    assert h.awards == [("evaluation", 400000)]


def _evaluation_case(h):
    from webapp.models import ProcessInstance
    from webapp.simulation import Case

    instance = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == "evaluation", ProcessInstance.status == "running")).one()
    return Case(instance.id)


def test_an_upheld_objection_to_a_result_withdraws_it_and_grants_nothing(harness):
    h = scored_evaluation(harness, lambda e: expert_score(e, 90))
    h.complete("confirm_grade")
    _evaluation_case(h).send("objection", {"objector": "张三", "contact": "139", "reasons": "孵化数据不实"})
    assert h.ready() == ["investigate_result_objection"]
    h.complete("investigate_result_objection", objection_findings="核实：在孵企业数量虚报")
    h.complete("decide_result_objection", objection_upheld=True, objection_answer="异议成立")
    assert h.ready() == ["evaluation_material_review"]  # reviewed again, then a new panel
    end_result_notice(h)
    assert h.awards == []
    from webapp.models import Evaluation, PublicNotice

    assert db.session.scalars(select(Evaluation.withdrawn)).all() == [True]
    assert db.session.scalars(select(PublicNotice.withdrawn_at)).one() is not None


def test_a_dismissed_objection_keeps_the_notice_to_its_end_then_awards(harness):
    h = scored_evaluation(harness, lambda e: expert_score(e, 75))
    h.complete("confirm_grade")
    _evaluation_case(h).send("objection", {"objector": "李四", "contact": "138", "reasons": "有异议"})
    h.complete("investigate_result_objection", objection_findings="经核实不属实")
    h.complete("decide_result_objection", objection_upheld=False, objection_answer="异议不成立")
    assert h.ready() == [] and h.awards == []
    end_result_notice(h)
    assert h.awards == [("evaluation", 300000)]


def test_a_national_professional_filing_brings_its_award_without_any_evaluation(harness):
    h = harness.recognised_space()
    live(h, 30)  # long before any evaluation
    space_id = h.instance.subject_id
    filing = harness("national_filing", data={"space_id": space_id})
    assert filing.ready() == ["record_national_filing"]
    filing.complete("record_national_filing", national_filing_result="national_professional",
                    filing_reference="国科火字〔2026〕1号")
    assert filing.done
    assert h.awards == [("national_professional", 500000)]
    assert h.space_status == "national_professional"
    # one-time: a second filing of the same kind brings no second award
    again = harness("national_filing", data={"space_id": space_id})
    again.complete("record_national_filing", national_filing_result="national_professional", filing_reference="")
    assert db.session.scalars(select(Award.amount)).all() == [500000]


def test_the_current_step_names_the_notice_and_its_end(harness):
    h = harness("recognition", data=dict(START_DATA))
    assert h.instance.current_step == "填写并提交申报书"
    from .test_recognition_scenarios import review_panel, submit_and_recommend

    submit_and_recommend(h)
    review_panel(h, harness.expert_ids[:3])
    h.complete("shortlist_decision", shortlist_decision="shortlist", shortlist_comments="拟入选")
    # the notice ends at 2026-03-10 00:00 (5 working days from Mon 03-02): it runs to 03-09 inclusive
    assert h.data["notice_end"] == "2026-03-10T00:00:00+08:00"
    assert h.instance.current_step == "公示中（至 2026-03-09）"


def test_the_current_step_names_the_rectification_year_and_its_end(harness):
    h = scored_evaluation(harness, lambda e: expert_score(e, 40))
    h.complete("confirm_grade")
    end_result_notice(h)
    assert h.space_status == "rectification"
    ends = datetime.fromisoformat(h.data["rectification_ends"]).astimezone(CHINA)
    # the year counts from the result's taking effect, the end of its notice at midnight: the last day of
    # rectification is the day before, and the case and the notification name the same day
    assert (ends.hour, ends.minute) == (0, 0)
    last = (ends - timedelta(days=1)).strftime("%Y-%m-%d")
    assert f"整改期（至 {last}）" in h.instance.current_step
    told = " ".join(db.session.scalars(select(Notification.text)).all())
    assert f"整改期至 {last}" in told
    assert "专家意见" in told  # the grade came with the experts' comments
    # told with the result already, before the notice ended: the same last day (it said only 为期一年)
    assert f"公示期满后进入为期一年的整改期，至 {last}（含当日）止" in told


def test_each_missing_report_warns_with_how_many_more_revoke(harness):
    h = harness.recognised_space()
    live_until(h, "half_year_report", submit=False)
    from .test_lifecycle_scenarios import let_period_lapse

    assert let_period_lapse(h) == "missing"
    texts = db.session.scalars(select(Notification.text).where(Notification.text.contains("未报送"))).all()
    assert any("已连续 1 期未报送" in t and "再有 3 期" in t for t in texts), texts
    assert let_period_lapse(h) == "missing"
    texts = db.session.scalars(select(Notification.text).where(Notification.text.contains("未报送"))).all()
    assert any("已连续 2 期未报送" in t and "再有 2 期" in t for t in texts), texts


def test_those_told_of_a_provisional_end_are_told_why(harness):
    """A walk of the demo: the operator read 公示至 2027-01-01（暂定） with no word of why, on New Year's Day. (The
    first evaluation falls in 2029, a year the holiday data does not know: its notice's end is provisional.)"""
    h = scored_evaluation(harness, lambda e: expert_score(e, 75))
    h.complete("confirm_grade")
    told = db.session.scalars(select(Notification.text).order_by(Notification.id.desc())).first()
    assert "（暂定：该年节假日安排尚未公布，截止日期按周末推算，可能顺延）" in told, told
