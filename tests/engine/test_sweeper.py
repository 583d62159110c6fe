"""The timer sweeper: a broken case never holds up the others; a timer costs few statements."""

from datetime import timedelta

from sqlalchemy import event, func, select

from tasks.sweep import Outcome, fire_instance
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import AuditEvent, ProcessFault, ProcessInstance
from webapp.simulation import recognised_space_now

from .test_recognition_scenarios import eligible_facts


def at_notice(harness):
    case = harness("recognition")
    case.complete("submit_application", **eligible_facts())
    case.complete("recommender_review", recommender_decision="recommend", recommendation_letter="同意",
                  recommender_comments="")
    case.complete("material_review", material_decision="complete", material_comments="")
    panel = harness.expert_ids[:3]
    case.complete("organise_review", panel_experts=panel)
    for expert in panel:
        case.complete("expert_review", assignee=expert, expert_score={
            "expert_id": expert, "base": 80, "bonus": 0, "total": 80, "comments": ""})
    case.complete("site_inspection", site_inspection_passed=True, site_inspection_report="一致")
    case.complete("credit_check", credit_blacklisted=False, credit_abnormal=False, credit_notes="")
    case.complete("shortlist_decision", shortlist_decision="shortlist", shortlist_comments="")
    return case


def test_a_broken_case_is_set_aside_and_the_others_go_on(harness):
    broken, healthy = at_notice(harness), at_notice(harness)
    instance = broken.instance
    instance.state = '{"not": "a workflow"}'
    db.session.commit()
    healthy.advance(days=10)
    assert healthy.outcome == "recognised"
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, broken.instance_id)
    assert instance.status == "running" and instance.next_timer_at > clock.now()  # retried later
    # The fault is kept for designers and supervisors (issue 7, item 5), not in the audit trail that
    # applicants read.
    [fault] = db.session.scalars(select(ProcessFault).where(ProcessFault.instance_id == broken.instance_id)).all()
    assert fault.trigger == "timer" and fault.current and fault.message
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == broken.instance_id, AuditEvent.action == "error")).all()


def test_firing_a_timer_reads_the_case_and_its_definition_version_in_one_statement(harness):
    """The sweeper's claim brings the case's definition version along (restoring the case needs it): a timer
    that opens a half-year report costs six statements, none of them a read of the version on its own (nor of
    the people its notices go to: the notices' INSERT finds them)."""
    space = recognised_space_now("计时空间", harness.organisation.id, harness.unit.id)
    due = db.session.scalar(select(func.min(ProcessInstance.next_timer_at)).where(
        ProcessInstance.id == space.lifecycle_instance_id))
    clock.advance(due - clock.now() + timedelta(days=1))
    instance_id = space.lifecycle_instance_id
    db.session.expire_all()
    sent = []

    def count(_conn, _cursor, statement, *_):
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert fire_instance(instance_id) is Outcome.FIRED
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert not [s for s in sent if s.startswith("SELECT definition_bundle.") and "FROM definition_bundle " in s]
    assert len(sent) <= 6, sent
    opened = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.action == "timer"))
    assert opened == 1
