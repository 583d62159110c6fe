"""Lifecycle scenarios of a recognised maker space (R14–R22), run on the real diagrams.

bpmn/lifecycle.bpmn (space_lifecycle + the called evaluation), change_filing.bpmn, violation_case.bpmn
and the DMN tables evaluation_grade, evaluation_award, national_award, report_compliance decide
everything here; the harness only moves the clock (the timer sweeper) and completes user tasks.

The clock starts frozen at 2026-03-02T09:00+08:00, the recognition date. Time passes in steps of
STEP days, shorter than the 30-day report window, so a report submitted at the first step after its
period opens is on time. The first evaluation falls due three years after recognition (R16): day 1096.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.models import ProcessInstance
from webapp.simulation import Case

STEP = 14
EVALUATION_DUE = 1096  # days from 2026-03-02 to 2029-03-02
REPORT = {
    "report": {
        "total_area": 1200,
        "public_area": 700,
        "workstations": 120,
        "service_staff": 6,
        "mentors": 8,
        "new_teams": 4,
        "events_held": 3,
        "trainings_held": 3,
    }
}


# ---- helpers -----------------------------------------------------------------------------------


def live(h, days, *, submit=True, step=STEP):
    """Let `days` pass, submitting every half-year report (R14) as soon as its period opens."""
    while days > 0:
        d = min(step, days)
        h.advance(days=d)
        days -= d
        if submit and "half_year_report" in h.ready():
            h.complete("half_year_report", **REPORT)


def live_until(h, task_id, *, submit=True, step=STEP, limit=1500):
    """Let time pass until `task_id` is ready; return the days that passed."""
    waited = 0
    while task_id not in h.ready():
        assert waited < limit, f"{task_id} never became ready; ready: {h.ready()}"
        live(h, step, submit=submit, step=step)
        waited += step
    return waited


def expert_score(expert, total):
    bonus = 10 if total >= 10 else 0
    return {
        "expert_id": expert,
        "base": round(total - bonus, 2),
        "bonus": bonus,
        "total": total,
        "comments": "按指标体系评分",
    }


def evaluate(h, total, experts):
    """Run an evaluation waiting at self_assessment up to the approver's confirmation.
    Every expert (a user id) gives the same total, so the panel mean is exactly `total`."""
    h.complete("self_assessment", self_assessment_summary="三年运营情况自评")
    h.complete("evaluation_material_review", materials_false=False, material_comments="材料齐全、真实")
    h.complete("organise_evaluation", panel_experts=list(experts))
    assert "evaluation_score" in h.ready()
    for expert in experts:
        h.complete("evaluation_score", assignee=expert, expert_score=expert_score(expert, total))
    assert "confirm_grade" in h.ready(), h.ready()
    h.complete("confirm_grade")
    end_result_notice(h)


def end_result_notice(h):
    """The result is publicly noticed for 5 working days; awards and consequences follow its end."""
    live(h, STEP)


@pytest.fixture
def experts(harness):
    """Three expert users for the evaluation panels."""
    return harness.expert_ids[:3]


def first_evaluation(harness):
    """A space recognised today, living three years with every report on time, at its first evaluation."""
    h = harness.recognised_space()
    assert h.ready() == []
    waited = live_until(h, "self_assessment")
    assert EVALUATION_DUE <= waited < EVALUATION_DUE + STEP, waited
    assert len(h.report_statuses) >= 5
    assert set(h.report_statuses) == {"on_time"}, h.report_statuses
    return h


def space_id_of(h):
    space_id = getattr(h, "space_id", None)
    return space_id if space_id is not None else h.data["space_id"]


def let_period_lapse(h):
    """Don't submit the open report; wait until it is recorded as missing (the next period opens)."""
    before = len(h.report_statuses)
    while len(h.report_statuses) == before:
        live(h, 7, submit=False, step=7)
    return h.report_statuses[-1]


# ---- evaluation grades (R17–R19) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "awards", "status"),
    [
        (85, [("evaluation", 400000)], "recognised"),  # 85 (含) 优秀
        (84.99, [("evaluation", 300000)], "recognised"),  # 良好 [70, 85)
        (70, [("evaluation", 300000)], "recognised"),  # 70 (含) 良好
        (69.99, [], "recognised"),  # 合格 [50, 70): no award
        (50, [], "recognised"),  # 50 (含) 合格
        (49.99, [], "rectification"),  # below 50: 不合格 → one year of rectification
    ],
)
def test_first_evaluation_at_each_grade_boundary(harness, experts, total, awards, status):
    h = first_evaluation(harness)
    evaluate(h, total, experts)
    assert h.awards == awards
    assert h.space_status == status
    # only an excellent space is recommended for national filing (R12)
    assert ("national_filing" in h.ready()) == (total >= 85)
    assert not h.done


def test_next_evaluation_three_years_after_the_first(harness, experts):
    h = first_evaluation(harness)
    evaluate(h, 75, experts)  # includes the STEP days of the result notice
    waited = STEP + live_until(h, "self_assessment")
    assert EVALUATION_DUE - STEP < waited < EVALUATION_DUE + STEP, waited
    evaluate(h, 90, experts)
    assert h.awards == [("evaluation", 300000), ("evaluation", 400000)]
    assert set(h.report_statuses) == {"on_time"}


# ---- rectification (R19) -------------------------------------------------------------------------


def test_fail_then_rectification_then_pass_restores_recognition(harness, experts):
    h = first_evaluation(harness)
    evaluate(h, 40, experts)
    assert h.space_status == "rectification"
    # the re-evaluation one year after the result took effect (its notice ended within the last STEP days)
    waited = live_until(h, "self_assessment")
    assert 365 - STEP <= waited < 366 + STEP, waited
    evaluate(h, 60, experts)
    assert h.space_status == "recognised"
    assert h.awards == []
    assert not h.done


def test_the_rectification_year_counts_from_the_result_not_from_when_the_sweeper_came(harness, experts):
    """The year of rectification starts when the failed result takes effect (its notice ends), however late
    the timer sweeper fires that notice's end (it was down for a month; or the demo clock jumped)."""
    from datetime import datetime

    from webapp.clock import clock
    from webapp.extensions import db
    from webapp.models import ProcessInstance
    h = first_evaluation(harness)
    for step in ("self_assessment", "evaluation_material_review", "organise_evaluation"):
        h.complete(step, **{"self_assessment": {"self_assessment_summary": "自评"},
                            "evaluation_material_review": {"materials_false": False, "material_comments": "齐全"},
                            "organise_evaluation": {"panel_experts": list(experts)}}[step])
    for expert in experts:
        h.complete("evaluation_score", assignee=expert, expert_score=expert_score(expert, 40))
    h.complete("confirm_grade")
    evaluation = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == "evaluation")).one()
    notice_end = datetime.fromisoformat(Case(evaluation.id).data["result_notice_end"])
    clock.advance(notice_end - clock.now() + timedelta(days=30))  # nobody swept for a month after the end
    h.advance(seconds=1)
    assert h.space_status == "rectification"
    ends = datetime.fromisoformat(h.data["rectification_ends"])
    assert ends == notice_end.replace(year=notice_end.year + 1), (ends, notice_end)


def test_a_failed_result_from_an_older_evaluation_diagram_still_starts_a_year_of_rectification(harness, experts):
    """A lifecycle moved to a new version while its evaluation runs on an older one receives a result without
    the length of rectification (the publishing step's parameter travels with the result since then): the
    lifecycle counts the regulation's year (its own fallback, in the diagram) rather than stopping on a fault."""
    from datetime import datetime

    from webapp.clock import clock
    from webapp.engine.runtime import Runtime
    from webapp.extensions import db

    h = first_evaluation(harness)
    effective = clock.now().replace(microsecond=0)
    Runtime().send_message(h.instance, "evaluation_done", {
        "grade": "fail", "panel_score": 40, "award_amount": 0, "result_effective": effective.isoformat()})
    db.session.commit()
    h.advance(seconds=1)
    assert h.space_status == "rectification"
    assert datetime.fromisoformat(h.data["rectification_ends"]) == effective.replace(year=effective.year + 1)


def test_the_operator_is_told_the_review_after_rectification_is_the_last_chance(harness, experts):
    """A walk of the demo: the review at the end of the rectification year read like any evaluation to the
    operator (only the Department was warned that failing it revokes)."""
    from webapp.engine.definitions import parsed_bundle
    from webapp.engine.sandbox import render_instructions
    from webapp.extensions import db
    from webapp.models import Notification, User

    db.session.add(User(username="operator", display_name="运营机构", role="applicant", password_hash="x",
                        organisation_id=harness.organisation.id, unit_id=harness.unit.id))
    db.session.commit()
    h = first_evaluation(harness)

    def told() -> str:
        return " ".join(db.session.scalars(select(Notification.text)).all())

    def instructions() -> str:  # the self-assessment step's, as its page renders them
        evaluation = db.session.scalars(select(ProcessInstance).where(
            ProcessInstance.process_id == "evaluation", ProcessInstance.status == "running")).one()
        spec = parsed_bundle(evaluation.bundle).specs["evaluation"][0].task_specs["self_assessment"]
        return render_instructions(spec.documentation, Case(evaluation.id).task_data("self_assessment"))

    assert "复核考核" not in told() + instructions()
    evaluate(h, 40, experts)
    live_until(h, "self_assessment")
    assert "整改期满复核考核：仍未达到合格标准的，将取消众创空间资格" in told()
    assert instructions().startswith("本次为整改期满后的复核考核：仍未达到合格标准的，将取消众创空间资格")


def test_fail_then_rectification_then_fail_revokes(harness, experts):
    h = first_evaluation(harness)
    evaluate(h, 40, experts)
    live_until(h, "self_assessment")
    evaluate(h, 45, experts)
    assert h.space_status == "revoked"
    assert h.done
    assert h.ready() == []


# ---- materials late or false (R20) ------------------------------------------------------------------


def test_late_self_assessment_is_graded_fail(harness):
    h = first_evaluation(harness)
    live(h, 35)  # the 30-day self-assessment window runs out
    ready = h.ready()
    assert "self_assessment" not in ready
    assert "evaluation_material_review" not in ready and "evaluation_score" not in ready
    assert "confirm_grade" in ready  # straight to grading: fail
    h.complete("confirm_grade")
    end_result_notice(h)
    assert h.space_status == "rectification"
    assert h.awards == []


def test_false_materials_are_graded_fail(harness):
    h = first_evaluation(harness)
    h.complete("self_assessment", self_assessment_summary="三年运营情况自评")
    h.complete("evaluation_material_review", materials_false=True, material_comments="场地面积与实际不符")
    assert "organise_evaluation" not in h.ready()
    h.complete("confirm_grade")
    end_result_notice(h)
    assert h.space_status == "rectification"


# ---- half-year reports (R14, R21) ---------------------------------------------------------------


def test_two_consecutive_years_without_reports_revokes(harness):
    h = harness.recognised_space()
    days = 0
    while not h.done:
        assert days < 1000, h.report_statuses
        live(h, 7, submit=False, step=7)
        days += 7
    assert h.report_statuses == ["missing"] * 4
    assert h.space_status == "revoked"
    assert 913 <= days < 913 + 4 * STEP, days  # about 30 months: periods opened at 6, 12, 18, 24 months
    assert h.ready() == []


def test_one_missed_report_then_on_time_is_not_revoked(harness):
    h = harness.recognised_space()
    live_until(h, "half_year_report", submit=False)
    assert let_period_lapse(h) == "missing"
    assert "half_year_report" in h.ready()  # the next period opened at once
    live(h, 700)
    assert h.report_statuses[0] == "missing"
    assert set(h.report_statuses[1:]) == {"on_time"}, h.report_statuses
    assert h.space_status == "recognised"
    assert not h.done


def test_missing_streak_resets_on_a_late_report(harness):
    h = harness.recognised_space()
    for want in ["missing", "missing", "missing", "late", "missing"]:
        live_until(h, "half_year_report", submit=False)
        if want == "late":
            live(h, 35, submit=False)  # past the 30-day window, before the next period
            h.complete("half_year_report", **REPORT)
        else:
            let_period_lapse(h)
    assert h.report_statuses[:5] == ["missing", "missing", "missing", "late", "missing"]
    assert h.space_status == "recognised"
    assert not h.done


# ---- revocation (R21, R22) and leaving (R10) --------------------------------------------------------


def test_revocation_during_an_evaluation_cancels_its_open_tasks(harness):
    lh = first_evaluation(harness)
    lh.complete("self_assessment", self_assessment_summary="三年运营情况自评")
    assert "evaluation_material_review" in lh.ready()
    vh = harness(
        "violation_case",
        data={
            "space_id": space_id_of(lh),
            "violation_type": "blacklist",
            "violation_description": "运营机构被列入失信黑名单",
        },
    )
    assert vh.ready() == ["investigate_violation"]
    vh.complete("investigate_violation", violation_findings="经核实，已列入失信黑名单")
    assert vh.ready() == ["decide_violation"]
    vh.complete("decide_violation", revoke=True, decision_reason="列入失信黑名单（R22）")
    assert vh.done
    lh.refresh()
    assert lh.ready() == []
    assert lh.space_status == "revoked"
    assert lh.done
    lh.advance(days=400)  # no timer of the cancelled lifecycle fires later
    assert lh.ready() == [] and lh.space_status == "revoked"
    assert lh.awards == []


def test_a_revocation_during_a_result_notice_withdraws_the_notice(harness, experts):
    """The evaluation case is cancelled with the space's revocation; its result notice, still within its days,
    read 公示中 on the portal and took objections nobody would hear (found walking the demo)."""
    from webapp.extensions import db
    from webapp.models import PublicNotice

    lh = first_evaluation(harness)
    lh.complete("self_assessment", self_assessment_summary="自评")
    lh.complete("evaluation_material_review", materials_false=False, material_comments="齐全")
    lh.complete("organise_evaluation", panel_experts=list(experts))
    for expert in experts:
        lh.complete("evaluation_score", assignee=expert, expert_score=expert_score(expert, 75))
    lh.complete("confirm_grade")  # the result notice runs
    notice = db.session.scalars(select(PublicNotice).where(PublicNotice.subject_type == "space")).one()
    assert notice.withdrawn_at is None
    vh = harness("violation_case", data={"space_id": space_id_of(lh), "violation_type": "blacklist",
                                         "violation_description": "运营机构被列入失信黑名单"})
    vh.complete("investigate_violation", violation_findings="属实")
    vh.complete("decide_violation", revoke=True, decision_reason="列入失信黑名单（R22）")
    db.session.expire_all()
    assert lh.space_status == "revoked"
    assert db.session.get(PublicNotice, notice.id).withdrawn_at is not None


def test_violation_decided_not_to_revoke_keeps_the_space(harness):
    lh = harness.recognised_space()
    vh = harness(
        "violation_case",
        data={
            "space_id": space_id_of(lh),
            "violation_type": "safety_accident",
            "violation_description": "消防检查发现隐患",
        },
    )
    vh.complete("investigate_violation", violation_findings="隐患已整改，不属于重大安全事故")
    vh.complete("decide_violation", revoke=False, decision_reason="不属于重大安全事故")
    assert vh.done
    lh.refresh()
    assert lh.space_status == "recognised"
    assert not lh.done


def test_leave_system_message_ends_the_lifecycle(harness):
    h = harness.recognised_space()
    live_until(h, "half_year_report", submit=False)
    h.send("leave_system", {"reason": "已备案为国家级科技企业孵化器（R10）"})
    assert h.space_status == "left"
    assert h.done
    assert h.ready() == []


# ---- national filing (R12, R13) -------------------------------------------------------------------


def test_national_filing_brings_the_one_time_award(harness, experts):
    h = first_evaluation(harness)
    evaluate(h, 85, experts)
    assert "national_filing" in h.ready()
    h.complete("national_filing", national_filing_result="national")
    assert h.awards == [("evaluation", 400000), ("national", 500000)]
    assert h.space_status == "national"
    # the next excellent evaluation does not repeat the one-time national award
    live_until(h, "self_assessment")
    evaluate(h, 95, experts)
    assert "national_filing" not in h.ready()
    assert h.awards == [("evaluation", 400000), ("national", 500000), ("evaluation", 400000)]


def test_excellent_but_not_filed_gets_no_national_award(harness, experts):
    h = first_evaluation(harness)
    evaluate(h, 88, experts)
    h.complete("national_filing", national_filing_result="not_filed")
    assert h.awards == [("evaluation", 400000)]
    assert h.space_status == "recognised"


# ---- change filing (R15) ---------------------------------------------------------------------------


def test_change_filing_returned_once_then_accepted(harness):
    lh = harness.recognised_space()
    h = harness("change_filing", data={"space_id": space_id_of(lh)})
    assert h.ready() == ["change_request"]
    h.complete("change_request", change_type="area", change_description="场地由 800 平方米扩至 1200 平方米")
    assert h.ready() == ["change_forward"]
    h.complete("change_forward", forward_decision="return", forward_comments="请补充新场地租赁合同")
    assert h.ready() == ["change_request"]
    h.complete("change_request", change_type="area", change_description="已补充新场地租赁合同")
    h.complete("change_forward", forward_decision="forward", forward_comments="同意转报")
    assert h.ready() == ["change_accept"]
    h.complete("change_accept", change_accepted=True, change_comments="予以备案")
    assert h.done
    lh.refresh()
    assert lh.space_status == "recognised"
