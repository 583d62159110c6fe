"""Notices of new steps: everyone a step waits on is told, once, and nobody else — written by one INSERT …
SELECT that finds the people itself (webapp/notifications.notify_new_tasks)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.models import DefinitionBundle, HumanTask, Notification, ProcessInstance
from webapp.notifications import notify_new_tasks


def _case(world, unit: str, title: str) -> ProcessInstance:
    bundle = db.session.scalars(select(DefinitionBundle)).first()
    organisation = world["org_a"] if unit == "hohhot" else world["org_b"]
    case = ProcessInstance(bundle_id=bundle.id, process_id="recognition", process_name="众创空间认定",
                           subject_type="application", subject_id=0, subject_title=title,
                           organisation_id=organisation.id, unit_id=world[unit].id, status="running", state="{}",
                           serializer_version="1", created_at=clock.now(), updated_at=clock.now())
    db.session.add(case)
    db.session.flush()
    return case


def _step(case: ProcessInstance, title: str, lane: str, assignee=None, due_in_days: int | None = None) -> HumanTask:
    row = HumanTask(instance_id=case.id, task_guid=f"{case.id}-{title}", task_spec=title, title=title, lane=lane,
                    organisation_id=case.organisation_id, unit_id=case.unit_id,
                    assignee_id=assignee.id if assignee else None, status="open", created_at=clock.now(),
                    due_at=clock.now() + timedelta(days=due_in_days) if due_in_days is not None else None)
    db.session.add(row)
    db.session.flush()
    return row


def test_each_new_step_tells_exactly_the_people_it_waits_on_in_one_statement(app, world):
    users = world["users"]
    users["torch2"].active = False  # a former colleague is told nothing
    case_a, case_b = _case(world, "hohhot", "青城创客空间"), _case(world, "baotou", "鹿城众创空间")
    steps = [
        _step(case_a, "材料完整性审核", "torch_center", due_in_days=10),
        _step(case_b, "推荐单位审核", "recommender"),
        _step(case_a, "补正材料", "applicant"),
        _step(case_a, "专家评审", "expert", assignee=users["expert2"]),
        _step(case_a, "无人办理", "nobody"),  # a lane no one is in: no notice, no error
    ]
    sent = []

    def count(_conn, _cursor, statement, *_):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        notify_new_tasks(steps, {steps[2].id: "退回原因：缺少场地证明"})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(sent) == 1 and sent[0].lstrip().startswith("INSERT INTO notification")
    db.session.expire_all()
    notices = {(n.user_id, n.link): n for n in db.session.scalars(select(Notification))}
    expected = {
        (users["torch1"].id, f"/tasks/{steps[0].id}"):
            f"新的待办：「青城创客空间」的材料完整性审核。办理期限：{(clock.now() + timedelta(days=10)).astimezone(CHINA):%Y-%m-%d %H:%M}。",
        (users["recommender_b"].id, f"/tasks/{steps[1].id}"): "新的待办：「鹿城众创空间」的推荐单位审核。",
        (users["applicant_a"].id, f"/tasks/{steps[2].id}"): "新的待办：「青城创客空间」的补正材料。退回原因：缺少场地证明。",
        (users["expert2"].id, f"/tasks/{steps[3].id}"): "新的待办：「青城创客空间」的专家评审。",
    }
    assert {key: n.text for key, n in notices.items()} == expected
    for notice in notices.values():  # stored as the app stores times, unread, not yet mailed
        assert notice.created_at == clock.now() and notice.read_at is None
        assert notice.emailed is False and notice.mail_failed is False


def test_a_group_step_tells_every_member(app, world):
    case = _case(world, "hohhot", "青城创客空间")
    step = _step(case, "材料完整性审核", "torch_center")
    notify_new_tasks([step])
    db.session.expire_all()
    told = sorted(n.user_id for n in db.session.scalars(select(Notification)))
    assert told == sorted([world["users"]["torch1"].id, world["users"]["torch2"].id])


def test_a_step_opened_for_a_crowd_tells_everyone(app, world):
    """More new steps at once than SQLite takes terms in one compound SELECT (500): still every notice."""
    case = _case(world, "hohhot", "青城创客空间")
    expert = world["users"]["expert1"]
    steps = [_step(case, f"专家评审{n}", "expert", assignee=expert) for n in range(501)]
    notify_new_tasks(steps)
    db.session.expire_all()
    links = {n.link for n in db.session.scalars(select(Notification).where(Notification.user_id == expert.id))}
    assert links == {f"/tasks/{step.id}" for step in steps}


def test_a_deadline_is_told_as_its_last_day_and_sentences_end_once(app, world):
    """Deadlines end at midnight China time (a period to 2027-01-30 inclusive ends 2027-01-31 00:00): the
    notice names the last day, as the task page does, not the next one; a reason that already ends its
    sentence gets no second 。."""
    from datetime import datetime

    case = _case(world, "hohhot", "青城创客空间")
    step = _step(case, "补正材料", "applicant")
    step.due_at = datetime(2027, 1, 31, 0, 0, tzinfo=CHINA)
    notify_new_tasks([step], {step.id: "请修改后在 2027-01-30（含当日）前重新提交。"})
    db.session.expire_all()
    (notice,) = db.session.scalars(select(Notification))
    assert notice.text == ("新的待办：「青城创客空间」的补正材料。请修改后在 2027-01-30（含当日）前重新提交。"
                           "办理期限：2027-01-30。")


def test_a_reminder_names_the_last_day(app, world):
    from datetime import datetime

    from webapp.notifications import remind_task

    case = _case(world, "hohhot", "青城创客空间")
    step = _step(case, "补正材料", "applicant")
    step.due_at = datetime(2027, 1, 31, 0, 0, tzinfo=CHINA)
    step.remind_at = clock.now()
    db.session.flush()
    assert remind_task(step.id, clock.now())
    db.session.expire_all()
    (notice,) = db.session.scalars(select(Notification))
    assert "将于 2027-01-30 到期" in notice.text, notice.text


def test_a_reminder_sent_after_the_deadline_says_it_has_passed(app, world):
    """A walk of the demo: with the clock moved on (as after a sweeper outage), reminders sent after the deadline
    read 将于 2026-12-17 到期 on the 18th."""
    from datetime import datetime

    from webapp.notifications import remind_task

    case = _case(world, "hohhot", "青城创客空间")
    step = _step(case, "补正材料", "applicant")
    step.due_at = datetime(2027, 1, 31, 0, 0, tzinfo=CHINA)
    step.remind_at = datetime(2027, 1, 28, 0, 0, tzinfo=CHINA)
    db.session.flush()
    assert remind_task(step.id, datetime(2027, 2, 2, 9, 0, tzinfo=CHINA))
    db.session.expire_all()
    (notice,) = db.session.scalars(select(Notification))
    assert "已于 2027-01-30 到期，已逾期" in notice.text and "将于" not in notice.text, notice.text
