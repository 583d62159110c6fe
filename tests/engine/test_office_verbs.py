"""The office verbs that rewind a case (webapp/engine/office.py) on the real diagrams: 退回 to a step the
diagram's `returnTo` names, 撤回 of one's own step while the next is untouched, and withdrawing a whole case.
The reset is SpiffWorkflow's own (`reset_from_task_id`); these tests pin what it means here: the earlier step
reopens (same task, same inbox row) with its data as completed plus the reason, everything after it closes
(parallel branches and expert tasks included), the diagram's `onReturn` script gives a fresh deadline, and
the case then runs on as if the step had just opened."""

from __future__ import annotations

from copy import deepcopy
from datetime import timedelta

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from tests.engine import test_pruning as made  # hand-made diagrams, run pruned and not
from tests.engine.test_lifecycle_scenarios import expert_score as evaluation_score
from tests.engine.test_lifecycle_scenarios import first_evaluation
from tests.engine.test_recognition_scenarios import eligible_facts, expert_score, submit_and_recommend
from webapp.clock import clock
from webapp.engine import office
from webapp.engine.checks import check_files, errors
from webapp.engine.definitions import read_directory
from webapp.engine.runtime import Runtime, TaskUnavailable
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, User


@pytest.fixture
def torch(app) -> User:
    user = User(username="torch", display_name="火炬中心甲", role="torch_center", password_hash="x")
    db.session.add(user)
    db.session.commit()
    return user


def start(harness, **data):
    h = harness("recognition", data={"application_id": 1, "round_id": 1, **data})
    assert h.ready() == ["submit_application"]
    return h


def audits(h, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == h.instance_id, AuditEvent.action == action).order_by(AuditEvent.id)))


def data_of(row: HumanTask) -> dict:
    """A task's data from its own case (a space's evaluation is a case beside its lifecycle)."""
    from uuid import UUID

    return dict(Runtime().load(row.instance).get_task_from_id(UUID(row.task_guid)).data)


def complete_as(h, spec: str, actor: User, **data) -> HumanTask:
    """Complete a step as a named person (the harness completes anonymously)."""
    row = h.task(spec)
    Runtime(actor=actor).complete(row, data)
    db.session.commit()
    h.refresh()
    return row


def send_back(h, spec: str, target: str, actor: User, reason: str = "缺少场地租赁合同"):
    row = h.task(spec)
    result = office.send_back(Runtime(actor=actor), row, target, reason)
    db.session.commit()
    h.refresh()
    return result


def test_material_review_sends_the_application_back_to_the_applicant(harness, torch):
    h = start(harness)
    submit_and_recommend(h)
    first_row = db.session.scalar(select(HumanTask).where(
        HumanTask.instance_id == h.instance_id, HumanTask.task_spec == "submit_application"))
    assert [t.spec_id for t in office.targets_for(h.instance, h.task("material_review"))] == ["submit_application"]

    target = send_back(h, "material_review", "submit_application", torch)

    assert target.title == "填写并提交申报书"
    assert h.ready() == ["submit_application"]
    reopened = h.task("submit_application")
    assert reopened.id == first_row.id  # the same engine task, so the same inbox row, open again
    data = h.task_data("submit_application")
    assert data["operating_years"] == 2.5  # the form reopens filled in as submitted
    assert not data.get("recommender_decision")  # what came after the step is rewound
    assert office.note_text(data, reopened.task_guid) == "「材料完整性审核」由火炬中心退回：缺少场地租赁合同"
    closed = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == h.instance_id,
                                                        HumanTask.task_spec == "material_review"))
    assert closed.status == "cancelled"
    [event] = audits(h, "returned")
    assert event.actor_id == torch.id and event.title == "材料完整性审核 → 填写并提交申报书"
    assert event.detail["reason"] == "缺少场地租赁合同" and event.detail["to"] == "submit_application"

    # The case runs on from the reopened step as from any other.
    h.complete("submit_application", **eligible_facts())
    assert h.ready() == ["recommender_review"]


def test_a_return_after_the_round_closed_gives_fifteen_days_not_an_instant_lapse(harness, torch):
    """The step's lapse timer would fire at once on the old deadline; the diagram's onReturn sets a new one."""
    closes = (clock.now() + timedelta(days=5)).isoformat()
    h = start(harness, round_closes_at=closes)
    submit_and_recommend(h)
    h.advance(days=10)  # the round has closed meanwhile
    send_back(h, "material_review", "submit_application", torch)
    assert h.ready() == ["submit_application"]
    h.advance(days=14)
    assert h.ready() == ["submit_application"]  # still open two weeks later
    h.advance(days=2)
    assert h.ready() == [] and h.outcome == "lapsed"  # 15 days from the return, not from the round's close


def test_the_department_sends_the_shortlist_back_to_a_new_panel(harness, torch):
    """Back past a parallel split and a multi-instance panel: every branch after the target closes."""
    h = start(harness)
    submit_and_recommend(h)
    experts = harness.expert_ids[:3]
    h.complete("material_review", material_decision="complete", material_comments="材料齐全")
    h.complete("organise_review", panel_experts=experts)
    for e in experts:
        h.complete("expert_review", assignee=e, expert_score=expert_score(e, 80.0))
    h.complete("site_inspection", site_inspection_passed=True, site_inspection_report="一致")
    h.complete("credit_check", credit_blacklisted=False, credit_abnormal=False, credit_notes="无")
    approver = User(username="dept", display_name="科技厅甲", role="approver", password_hash="x")
    db.session.add(approver)
    db.session.commit()

    send_back(h, "shortlist_decision", "organise_review", approver, reason="专家分差过大，请重新组织评审")

    assert h.ready() == ["organise_review"]
    assert h.task_data("organise_review")["panel_experts"] == experts  # what the organiser chose last time
    h.complete("organise_review", panel_experts=harness.expert_ids[2:5])
    assert sorted(h.ready()) == sorted(["credit_check", "site_inspection"] + ["expert_review"] * 3)


def test_a_return_in_the_middle_of_the_parallel_reviews_cancels_them_all(harness, torch):
    h = start(harness)
    submit_and_recommend(h)
    h.complete("material_review", material_decision="complete", material_comments="材料齐全")
    h.complete("organise_review", panel_experts=harness.expert_ids[:3])
    open_before = {t.id for t in h.open_tasks()}
    # Only the steps the diagram names: the site inspection has no returnTo.
    with pytest.raises(office.Refused) as refused:
        send_back(h, "site_inspection", "organise_review", torch)
    assert refused.value.code == "return_not_allowed"
    db.session.rollback()
    assert {t.id for t in h.refresh().open_tasks()} == open_before


def test_a_step_the_case_has_not_passed_cannot_be_a_target(harness, torch):
    h = start(harness)
    submit_and_recommend(h)
    row = h.task("material_review")
    with pytest.raises(office.Refused) as refused:
        office.send_back(Runtime(actor=torch), row, "organise_review", "理由")
    assert refused.value.code == "return_not_allowed"


def test_a_step_withdrawn_before_the_next_is_touched(harness, torch):
    h = start(harness)
    submit_and_recommend(h)
    row = complete_as(h, "material_review", torch, material_decision="complete", material_comments="材料齐全")
    assert office.withdrawable(row, torch) is None

    office.withdraw_step(Runtime(actor=torch), row)
    db.session.commit()
    h.refresh()

    assert h.ready() == ["material_review"]
    assert h.task("material_review").id == row.id
    assert h.task_data("material_review")["material_decision"] == "complete"
    assert len(audits(h, "step_withdrawn")) == 1
    organise = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == h.instance_id,
                                                          HumanTask.task_spec == "organise_review"))
    assert organise.status == "cancelled"


def test_no_withdrawal_once_the_next_step_is_claimed_or_done(harness, torch):
    h = start(harness)
    h.complete("submit_application", **eligible_facts())
    recommender = User(username="rec", display_name="推荐单位甲", role="recommender", password_hash="x")
    db.session.add(recommender)
    db.session.commit()
    recommended = complete_as(h, "recommender_review", recommender, recommender_decision="recommend",
                              recommender_comments="同意", recommendation_letter="推荐函")
    assert office.withdrawable(recommended, recommender) is None
    # Someone else may never withdraw it.
    assert office.withdrawable(recommended, torch) == "not_yours"
    # The Torch Center claims the material review: too late.
    from webapp.inbox.service import claim

    claim(torch, h.task("material_review"))
    db.session.commit()
    assert office.withdrawable(recommended, recommender) == "taken_up"
    with pytest.raises(office.Refused):
        office.withdraw_step(Runtime(actor=recommender), recommended)
    # Done rather than claimed: just as late.
    db.session.rollback()
    complete_as(h, "material_review", torch, material_decision="complete", material_comments="")
    assert office.withdrawable(recommended, recommender) == "taken_up"


def test_a_scored_review_among_others_still_open_is_never_offered(harness, torch):
    """An expert's score, handed in while the panel's other reviews are open, cannot be taken back (the
    parallel reviews are not what comes after it): the inbox must not offer 撤回 only for it to fail."""
    h = start(harness)
    submit_and_recommend(h)
    h.complete("material_review", material_decision="complete", material_comments="材料齐全")
    experts = harness.expert_ids[:3]
    h.complete("organise_review", panel_experts=experts)
    first = db.session.get(User, experts[0])
    row = h.task("expert_review", assignee=first.id)
    Runtime(actor=first).complete(row, {"expert_score": expert_score(first.id, 80.0)})
    db.session.commit()
    assert [t.task_spec for t in h.refresh().open_tasks()].count("expert_review") == 2  # the others still score
    assert office.withdrawable(row, first) == "moved_on"
    with pytest.raises(office.Refused):
        office.withdraw_step(Runtime(actor=first), row)


def test_only_the_newest_of_a_step_completed_twice_is_offered(harness, applicant):
    """Submitted, returned, submitted again: the first submission's row is history, not a step to take
    back (the inbox listed every earlier submission with a 撤回 that always failed)."""
    h = start(harness)
    first = complete_as(h, "submit_application", applicant, **eligible_facts())
    h.complete("recommender_review", recommender_decision="return", recommender_comments="运营年限请核实",
               recommendation_letter="")
    second = complete_as(h, "submit_application", applicant, **{**eligible_facts(), **SECOND_SUBMISSION})
    assert first.id != second.id
    assert office.withdrawable(first, applicant) == "moved_on"
    assert office.withdrawable(second, applicant) is None


def test_no_withdrawal_after_the_system_acted(harness, torch):
    """The shortlist publishes a notice at once: that step cannot be taken back silently."""
    h = start(harness)
    submit_and_recommend(h)
    h.complete("material_review", material_decision="complete", material_comments="材料齐全")
    experts = harness.expert_ids[:3]
    h.complete("organise_review", panel_experts=experts)
    for e in experts:
        h.complete("expert_review", assignee=e, expert_score=expert_score(e, 80.0))
    h.complete("site_inspection", site_inspection_passed=True, site_inspection_report="一致")
    h.complete("credit_check", credit_blacklisted=False, credit_abnormal=False, credit_notes="无")
    row = complete_as(h, "shortlist_decision", torch, shortlist_decision="shortlist", shortlist_comments="")
    # The inbox knows it without reading the workflow: the completion recorded that it ran the publishing.
    assert office.withdrawable(row, torch) == "automatic"
    with pytest.raises(office.Refused):
        office.withdraw_step(Runtime(actor=torch), row)


def test_a_concurrent_completion_makes_the_return_fail(harness, torch):
    h = start(harness)
    submit_and_recommend(h)
    row = h.task("material_review")
    Runtime(actor=torch).complete(row, {"material_decision": "complete", "material_comments": ""})
    db.session.commit()
    with pytest.raises(TaskUnavailable):
        office.send_back(Runtime(actor=torch), row, "submit_application", "理由")


def test_withdrawing_the_whole_case(harness):
    h = start(harness)
    office.withdraw_case(Runtime(), h.instance, "误建")
    db.session.commit()
    h.refresh()
    assert h.instance.status == "cancelled"
    assert h.ready() == []
    assert audits(h, "withdrawn")[0].detail == {"reason": "误建"}
    with pytest.raises(office.Refused):
        office.withdraw_case(Runtime(), h.instance, "again")


def test_evaluation_material_review_sends_the_self_assessment_back(harness, torch):
    """A step with two boundary timers (reminder, lapse): they restart from the onReturn deadline."""
    h = first_evaluation(harness)
    h.complete("self_assessment", self_assessment_summary="三年运营情况自评")
    h.advance(days=40)  # long past the original 30-day window
    assert "evaluation_material_review" in h.ready()
    send_back(h, "evaluation_material_review", "self_assessment", torch, reason="缺少财务报表")
    assert "self_assessment" in h.ready() and "evaluation_material_review" not in h.ready()
    assert data_of(h.task("self_assessment"))["self_assessment_summary"] == "三年运营情况自评"
    h.advance(days=10)
    assert "self_assessment" in h.ready()  # not graded fail for the old deadline
    h.complete("self_assessment", self_assessment_summary="补充财务报表后的自评")
    assert "evaluation_material_review" in h.ready()


# ---- in a loop: the step reopens as it was completed in its own round ------------------------------------
# SpiffWorkflow's reset merges the parent's data back into the task; in a loop the parent carries the
# previous round's values (and lists are merged item by item), so a second-round form reopened showing
# the first round's answers.


def without_note(data: dict, *also: str) -> dict:
    return {k: v for k, v in data.items() if k != office.NOTE and k not in also}


# A draft reviewed round after round; the draft's preScript counts how often it opened.
DRAFT_LOOP = made.bpmn(made.process(
    "rev", made.start(), made.xor("gw_in"),
    '<bpmn:userTask id="draft" name="draft"><bpmn:extensionElements>'
    "<spiffworkflow:preScript>opened = opened + 1</spiffworkflow:preScript></bpmn:extensionElements></bpmn:userTask>",
    made.script("count", "n = n + 1"), made.user("review", {"returnTo": "draft"}),
    made.flow("start", "gw_in"), made.flow("gw_in", "draft"), made.flow("draft", "count"),
    made.flow("count", "review"), made.loop_back("review", "gw_in")))


def test_a_step_in_a_loop_reopens_with_its_own_rounds_data():
    """A hand-made loop, saved and read back after every step, pruned and not: 退回 from the third review
    reopens the third draft, and 撤回 of the draft just completed reopens that one. The rest of the reset
    still happens: the step's preScript runs again."""
    twin = made.Twin(DRAFT_LOOP, "rev", n=0, opened=0, rounds=20)
    for round_, panel in ((1, [1, 2]), (2, [3])):
        twin.complete("draft", text=f"第{round_}稿", panel=panel)
        twin.complete("review")
    twin.complete("draft", text="第3稿", panel=[4, 5])
    completed = {}
    for pruned, wf in twin.runs.items():
        target = office._earlier(made.ready_task(wf, "review"), "draft")
        completed[pruned] = deepcopy(target.data)
        office._reopen(wf, target, {"verb": "returned", "by": "火炬中心", "reason": "补充材料"})
    twin._step()
    for pruned, wf in twin.runs.items():
        data = made.ready_task(wf, "draft").data
        assert data["text"] == "第3稿" and data["panel"] == [4, 5], pruned  # not 第2稿, not [3, 4, 5]
        assert data["opened"] == completed[pruned]["opened"] + 1 == 4
        assert without_note(data, "opened") == without_note(completed[pruned], "opened")

    twin.complete("draft", text="第3稿（修改）", panel=[6])
    for wf in twin.runs.values():  # withdrawn before the review is touched
        [done] = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == "draft"
                  and t.data.get("text") == "第3稿（修改）"]
        office._reopen(wf, done, {"verb": "withdrawn", "title": "draft", "by": "申报单位"})
    twin._step()
    for wf in twin.runs.values():
        data = made.ready_task(wf, "draft").data
        assert data["text"] == "第3稿（修改）" and data["panel"] == [6] and data["n"] == 2 and data["opened"] == 5


@pytest.fixture
def applicant(harness) -> User:
    user = User(username="applicant", display_name="申报单位甲", role="applicant", password_hash="x",
                organisation_id=harness.organisation.id, unit_id=harness.unit.id)
    db.session.add(user)
    db.session.commit()
    return user


SECOND_SUBMISSION = {"operating_years": 3.0, "services_offered": ["创业孵化"]}


def returned_and_resubmitted(h, applicant: User) -> HumanTask:
    """Submitted, returned by the recommender, submitted again with other figures: the second round of the
    loop back to 填写并提交申报书."""
    h.complete("submit_application", **eligible_facts())  # 2.5 years, three services
    h.complete("recommender_review", recommender_decision="return", recommender_comments="运营年限请核实",
               recommendation_letter="")
    assert h.ready() == ["submit_application"]
    return complete_as(h, "submit_application", applicant, **{**eligible_facts(), **SECOND_SUBMISSION})


def test_an_application_sent_back_after_a_resubmission_reopens_as_resubmitted(harness, torch, applicant):
    h = start(harness)
    second = returned_and_resubmitted(h, applicant)
    h.complete("recommender_review", recommender_decision="recommend", recommender_comments="同意推荐",
               recommendation_letter="推荐函")
    submitted = data_of(second)
    assert submitted["operating_years"] == 3.0

    send_back(h, "material_review", "submit_application", torch)

    reopened = h.task("submit_application")
    assert reopened.id == second.id
    data = h.task_data("submit_application")
    assert data["operating_years"] == 3.0  # the second submission, not the first one's 2.5
    assert data["services_offered"] == ["创业孵化"]  # not merged with the first submission's three
    # Exactly as submitted, but for the note and the fresh deadline of the diagram's onReturn.
    assert without_note(data, "submission_due") == without_note(submitted, "submission_due")
    assert office.note_text(data, reopened.task_guid) == "「材料完整性审核」由火炬中心退回：缺少场地租赁合同"


def test_a_resubmission_withdrawn_reopens_as_resubmitted(harness, applicant):
    h = start(harness)
    second = returned_and_resubmitted(h, applicant)
    assert office.withdrawable(second, applicant) is None

    office.withdraw_step(Runtime(actor=applicant), second)
    db.session.commit()
    h.refresh()

    assert h.ready() == ["submit_application"] and h.task("submit_application").id == second.id
    data = h.task_data("submit_application")
    assert data["operating_years"] == 3.0 and data["services_offered"] == ["创业孵化"]


def _send_objection(h) -> None:
    from webapp.models import ProcessInstance

    evaluation = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == "evaluation", ProcessInstance.status == "running")).one()
    Runtime().send_message(evaluation, "objection", {"objector": "张三", "contact": "139", "reasons": "数据不实"})
    db.session.commit()
    h.refresh()


def test_after_an_upheld_objection_the_grade_goes_back_to_the_second_panel(harness, torch):
    """The evaluation after an upheld objection: reviewed again, a new panel, 确认考核等级 sends it back to
    组织考核专家评分, which reopens with the second panel of four (merged with the first panel of three, the
    reset used to cut it to three)."""
    first, second = harness.expert_ids[:3], harness.expert_ids[1:5]  # a panel of four this time
    h = first_evaluation(harness)
    h.complete("self_assessment", self_assessment_summary="三年运营情况自评")
    h.complete("evaluation_material_review", materials_false=False, material_comments="材料齐全、真实")
    h.complete("organise_evaluation", panel_experts=list(first))
    for expert in first:
        h.complete("evaluation_score", assignee=expert, expert_score=evaluation_score(expert, 90))
    h.complete("confirm_grade")
    _send_objection(h)
    h.complete("investigate_result_objection", objection_findings="核实：在孵企业数量虚报")
    h.complete("decide_result_objection", objection_upheld=True, objection_answer="异议成立")
    h.complete("evaluation_material_review", materials_false=False, material_comments="重新审核，材料真实")
    h.complete("organise_evaluation", panel_experts=list(second))
    for expert in second:
        h.complete("evaluation_score", assignee=expert, expert_score=evaluation_score(expert, 72))
    assert "confirm_grade" in h.ready()
    approver = User(username="dept", display_name="科技厅甲", role="approver", password_hash="x")
    db.session.add(approver)
    db.session.commit()

    send_back(h, "confirm_grade", "organise_evaluation", approver, reason="请更换一名专家")

    assert "organise_evaluation" in h.ready() and "confirm_grade" not in h.ready()
    data = data_of(h.task("organise_evaluation"))
    assert data["panel_experts"] == list(second)
    assert data["material_comments"] == "重新审核，材料真实"
    h.complete("organise_evaluation", panel_experts=list(first))
    assert h.ready().count("evaluation_score") == 3


# ---- the deploy check -------------------------------------------------------------------------------------


def _with(app, old: str, new: str) -> dict:
    files = read_directory(app.config["BPMN_DIR"])
    assert files["recognition.bpmn"].count(old) == 1
    files["recognition.bpmn"] = files["recognition.bpmn"].replace(old, new)
    return files


def test_the_real_returns_pass_the_deploy_checks(app):
    assert not [p for p in errors(check_files(read_directory(app.config["BPMN_DIR"]))) if "退回" in p.message]


@pytest.mark.parametrize(("target", "words"), [
    ("no_such_task", "不是本流程中的用户任务"),
    ("check_eligibility", "不是本流程中的用户任务"),   # a business rule task, not a person's step
    ("shortlist_decision", "不在本任务之前"),           # a later step
    ("self_assessment", "不是本流程中的用户任务"),     # a user task of another process
])
def test_a_return_target_that_is_not_an_earlier_user_task_is_refused(app, target, words):
    files = _with(app, '<spiffworkflow:property name="returnTo" value="submit_application" />',
                  f'<spiffworkflow:property name="returnTo" value="submit_application, {target}" />')
    problems = [p for p in errors(check_files(files)) if "退回" in p.message]
    assert len(problems) == 1 and words in problems[0].message, problems
    assert problems[0].element_id == "material_review"
