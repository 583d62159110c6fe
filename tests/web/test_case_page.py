"""The case page (issue 8 item 2): the case's elements marked on its diagram from its stored state, its pending
timers with their due dates, its step never blank, and the audit trail as people read it."""

from __future__ import annotations

import re

import pytest

from webapp.extensions import db
from webapp.models import Application, ProcessInstance
from webapp.supervision.case_state import case_state

from .flow import (
    application_fields,
    complete,
    move_clock,
    open_task,
    recognise,
    shortlisted,
    start_application,
    submit_application,
    with_files,
)
from .lifecycle import page


def _instance(application_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, db.session.get(Application, application_id).instance_id)


def _marked(html: str, state: str) -> set[str]:
    match = re.search(rf'id="case-diagram"[^>]*data-{state}="([^"]*)"', html, re.S)
    assert match, f"no data-{state} on the diagram"
    return set(match.group(1).split())


def _trail(html: str) -> str:
    start = html.index('id="audit-trail"')
    return html[start:html.index("</table>", start)]


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_a_case_waiting_at_a_task(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    instance = _instance(application_id)
    state = case_state(instance)
    assert state.elements["recommender_review"] == "current"
    assert state.elements["submit_application"] == "completed"
    assert state.elements["check_eligibility"] == "completed"
    assert "material_review" not in state.elements  # not reached: not marked
    assert state.steps == ["推荐单位审核"]

    html = page(login("supervisor"), f"/instances/{instance.id}")
    assert _marked(html, "current") == {"recommender_review"}
    assert {"submit_application", "start_recognition"} <= _marked(html, "completed")
    assert re.search(r'id="current-step">\s*推荐单位审核', html)
    assert f'data-xml-url="/instances/{instance.id}/diagram.xml"' in html
    legend = html[html.index('id="diagram-legend"'):html.index("</ul>", html.index('id="diagram-legend"'))]
    assert all(word in legend for word in ("当前环节", "已完成", "已取消"))
    xml = login("supervisor").get(f"/instances/{instance.id}/diagram.xml")
    assert xml.status_code == 200 and b'id="recommender_review"' in xml.data


def test_a_case_in_its_public_notice_shows_the_timer_and_its_due_date(login, world):
    instance = _instance(shortlisted(login, world))
    state = case_state(instance)
    assert state.elements["public_notice"] == "current"  # the notice subprocess runs
    assert state.elements["notice_timer"] == "waiting"
    assert state.elements["shortlist_decision"] == "completed"
    assert [t.element for t in state.timers] == ["notice_timer"]
    assert state.steps and state.steps[0].startswith("公示中（至 ")  # never blank while the notice runs

    html = page(login("supervisor"), f"/instances/{instance.id}")
    assert {"notice_timer", "objection_received"} <= _marked(html, "waiting")
    timers = html[html.index('id="pending-timers"'):]
    # 5 working days from Monday 2026-03-02: the notice runs to Monday 03-09 inclusive, ends 03-10 00:00 Beijing
    assert re.search(r'data-element="notice_timer"><td>公示中（至 2026-03-09）</td><td>定时器</td><td class="due">2026-03-10 00:00<', timers)
    assert "收到异议" in timers  # the message it also waits for
    assert re.search(r'id="current-step">\s*公示中（至 2026-03-09）', html)


def test_a_completed_case(login, world):
    application_id = start_application(login("applicant_a"))
    recognise(login, world, application_id)
    instance = _instance(application_id)
    assert instance.status == "completed"
    state = case_state(instance)
    assert "current" not in state.elements.values() and "waiting" not in state.elements.values()
    assert state.elements["notice_timer"] == "completed" and state.timers == []

    html = page(login("supervisor"), f"/instances/{instance.id}")
    assert _marked(html, "current") == set() and _marked(html, "waiting") == set()
    assert re.search(r'id="current-step">\s*已办结', html)
    assert 'id="pending-timers"' not in html
    record = html[html.index('id="case-record"'):]
    assert "/spaces/" in record  # the dossier of the recognised space, linked


def test_a_case_ended_by_the_credit_check_marks_the_cancelled_steps(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": ""})
    experts = [str(world["users"][e].id) for e in ("expert1", "expert2", "expert3")]
    complete(login("torch1"), open_task(application_id, "organise_review"), {"panel_experts": experts})
    complete(login("torch2"), open_task(application_id, "credit_check"),
             {"credit_blacklisted": "yes", "credit_abnormal": "no", "credit_notes": "信用中国查询：列入失信名单"})
    instance = _instance(application_id)
    assert instance.status == "completed"
    html = page(login("supervisor"), f"/instances/{instance.id}")
    assert {"site_inspection", "expert_review"} <= _marked(html, "cancelled")  # the open work the end cancelled
    assert "credit_check" in _marked(html, "completed") and _marked(html, "current") == set()


def test_the_audit_trail_reads_with_labels_and_old_to_new(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": "运营年限请核实"})
    complete(login("applicant_a"), open_task(application_id, "submit_application"),
             with_files(application_fields(operating_years="3", premises_leased="no", lease_years="0")))
    instance = _instance(application_id)
    html = page(login("supervisor"), f"/instances/{instance.id}")
    trail = _trail(html)
    text = _text(trail)

    # who (name and role), when (China time), which step, with the form's labels
    assert "recommender_a 推荐单位" in text and "2026-03-02 09:00" in text
    assert "推荐单位审核" in text and "退回申报单位修改" in text  # the choice's label, not "return"
    assert "运营年限请核实" in text
    # the resubmission: old → new with the field's label; yes/no as 是/否
    assert re.search(r"<dt>运营时间（年）</dt><dd><span class=\"old\">2</span> → <span class=\"new\">3</span>", trail)
    assert re.search(r"<dt>场地为租赁场地</dt><dd><span class=\"old\">是</span> → <span class=\"new\">否</span>", trail)
    assert "未改动" in text  # the rest of the resubmission is folded away
    assert "创业孵化、科技金融" in text  # a multiple choice as its labels
    # no JSON, no escapes, no engine ids in the main text
    assert "\\u" not in html and "{" not in trail
    for engine_id in ("recommender_decision", "operating_years", "submit_application", "True", "False"):
        assert engine_id not in text


def test_an_expert_panel_reads_as_names_and_scores(login, world):
    instance = _instance(shortlisted(login, world))
    text = _text(_trail(page(login("supervisor"), f"/instances/{instance.id}")))
    assert "评审专家组成员 expert1、expert2、expert3" in text  # people by name, not ids
    assert "基础分 80" in text and "总分 80" in text
    assert "→" not in text.split("专家独立评分")[2].split("实地核查")[0]  # one expert's score is not another's "old"


def test_runtime_faults_stay_on_the_page(login, world):
    from webapp.models import ProcessFault

    instance = _instance(shortlisted(login, world))
    db.session.add(ProcessFault(instance_id=instance.id, bundle_id=instance.bundle_id, process_id="recognition",
                                element_id="notice_timer", element_name="公示中", message="boom", trigger="timer"))
    db.session.commit()
    html = page(login("supervisor"), f"/instances/{instance.id}")
    assert 'id="faults"' in html and "<code>notice_timer</code>" in html
    assert 'id="case-diagram"' in html  # a fault does not hide the diagram


@pytest.mark.parametrize("username, status", [("applicant_b", 403), ("recommender_b", 403), ("expert1", 403),
                                              ("approver", 200), ("torch1", 200), ("designer", 200)])
def test_who_may_read_the_case_page(login, world, username, status):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    instance = _instance(application_id)
    assert login(username).get(f"/instances/{instance.id}").status_code == status
    assert login(username).get(f"/instances/{instance.id}/diagram.xml").status_code == status


def test_a_designer_reads_the_diagram_and_trail_but_no_files_or_records(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    instance = _instance(application_id)
    html = page(login("designer"), f"/instances/{instance.id}")
    assert 'id="case-diagram"' in html and 'id="audit-trail"' in html
    assert 'id="case-record"' not in html and "/attachments/" not in html
    # roles, not names; which fields were filled in, not what people wrote
    name = world["users"]["applicant_a"].display_name
    trail = html[html.index('id="audit-trail"'):]
    assert name not in trail and "（已填写）" in trail and "申报单位" in trail
    supervisor_trail = page(login("supervisor"), f"/instances/{instance.id}")
    assert name in supervisor_trail[supervisor_trail.index('id="audit-trail"'):]


def test_the_supervisor_sees_the_documents_and_the_application(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    html = page(login("supervisor"), f"/instances/{_instance(application_id).id}")
    record = html[html.index('id="case-record"'):]
    assert f"/applications/{application_id}" in record
    assert record.count("/attachments/") == 6  # the Art. 7 files, each linked to its download


def test_a_lifecycle_case_draws_its_own_pool(login, world, space_id):
    from webapp.models import MakerSpace

    space = db.session.get(MakerSpace, space_id)
    move_clock(days=1)
    html = page(login("supervisor"), f"/instances/{space.lifecycle_instance_id}")
    assert re.search(r'data-file="lifecycle.bpmn"', html)
    assert re.search(r'data-participant="[^"]+"', html)
    assert re.search(r'id="current-step">\s*\S', html)  # waiting for a report period: still says what
    assert 'id="pending-timers"' in html
