"""The timer sweeper: a broken case never holds up the others."""

from sqlalchemy import select

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import AuditEvent, ProcessFault, ProcessInstance

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
