"""Who sent a step back, as the people of that step read it (found walking the demo as an applicant: its task
page read 「材料完整性审核」由torch1退回：…). Outside parties read the office that sent it back, as everywhere
else; staff read their colleague's name; the audit trail keeps the person for the supervisors."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import Application

from .flow import open_task, start_application, submit_application, through_to_shortlist, user
from .test_office_verbs import at_material_review, audit, notices, post

REASON = "缺少场地租赁合同"


def named(world, username: str, display_name: str) -> None:
    """Give the account a name of its own, so the page is checked for both the account and the name."""
    user(world, username).display_name = display_name
    db.session.commit()


def test_the_applicant_reads_which_office_sent_its_application_back_never_who(login, world):
    named(world, "torch1", "火炬中心 王审核")
    application_id = at_material_review(login)
    task = open_task(application_id, "material_review")
    post(login("torch1"), f"/tasks/{task.id}/return", {"target": "submit_application", "reason": REASON},
         page=f"/tasks/{task.id}")

    reopened = open_task(application_id, "submit_application")
    applicant_page = login("applicant_a").get(f"/tasks/{reopened.id}").get_data(as_text=True)
    assert f"「材料完整性审核」由火炬中心退回：{REASON}" in applicant_page
    told = [text for text in notices(world, "applicant_a") if REASON in text]
    assert told and all("由火炬中心退回" in text for text in told), told
    for person in ("torch1", "王审核"):
        assert person not in applicant_page, person
        assert not any(person in text for text in told), (person, told)

    # The record still names the person: a supervisor reads who sent the case back.
    [event] = audit(application_id, "returned")
    assert event.actor_id == user(world, "torch1").id
    instance_id = db.session.get(Application, application_id).instance_id
    assert "火炬中心 王审核" in login("supervisor").get(f"/instances/{instance_id}").get_data(as_text=True)


def test_staff_read_the_colleague_who_sent_a_step_back_to_them(login, world):
    named(world, "approver", "科技厅 张处长")
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    through_to_shortlist(login, world, application_id)
    task = open_task(application_id, "shortlist_decision")
    post(login("approver"), f"/tasks/{task.id}/return", {"target": "organise_review", "reason": "请更换一位专家"},
         page=f"/tasks/{task.id}")

    reopened = open_task(application_id, "organise_review")
    page = login("torch1").get(f"/tasks/{reopened.id}").get_data(as_text=True)
    assert "「拟定入选名单」由科技厅 张处长退回：请更换一位专家" in page
