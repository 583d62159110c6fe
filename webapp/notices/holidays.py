"""Entering the holiday calendar (the admin page /admin/holidays) and what it moves.

A notice running into a year whose holidays were not known ended on a day counted with weekends only (（暂定）),
and its case's timer waited for that moment. Entering that year's holidays (or one holiday, or one make-up
working day) counts every running notice again, in the same transaction as the entry: the notice keeps its
length in working days, so a holiday inside its window ends it a working day later and a make-up working day
a day earlier; its row, its case's notice-end variable and waiting timer, and the case's history say so.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from tasks.common import notify_organisation, notify_unit
from webapp.clock import clock
from webapp.engine.retime import move_moment
from webapp.engine.runtime import Runtime
from webapp.engine.sandbox import last_day
from webapp.extensions import db
from webapp.labels import N_
from webapp.models import Application, AuditEvent, Holiday, MakerSpace, ProcessInstance, PublicNotice, User
from webapp.workdays import add_working_days, working_days_in

# The audit action of a notice's end moved by the calendar; translated on the case pages like the runtime's own.
NOTICE_END_MOVED = N_("notice_end_moved")


def enter_day(day: date, *, is_workday: bool, name: str, actor: User | None) -> int:
    """Save one day of the calendar and count the running notices again; how many notices' ends moved. The
    caller commits: the day, the notices and their cases land together or not at all."""
    now = clock.now()
    running = list(db.session.scalars(select(PublicNotice).where(
        PublicNotice.withdrawn_at.is_(None), PublicNotice.ends_at > now).order_by(PublicNotice.id)))
    # Each notice's length by the calendar it was counted with, before this day changes it.
    lengths = {notice.id: working_days_in(notice.starts_at, notice.ends_at) for notice in running}
    row = db.session.get(Holiday, day) or Holiday(day=day)
    row.is_workday, row.name = is_workday, name
    db.session.add(row)
    db.session.flush()
    runtime = Runtime(actor=actor)
    kind = "调休上班日" if is_workday else "节假日"
    reason = f"录入{day.year}年节假日安排（{day.isoformat()} {name}，{kind}）后按工作日重新计算"
    moved = 0
    for notice in running:
        if lengths[notice.id] < 1:
            continue
        end, provisional = add_working_days(notice.starts_at, lengths[notice.id])
        # A make-up day may shorten a notice; never to an end already past: people were told it runs to its day.
        if end != notice.ends_at and end > now:
            _move(runtime, notice, end, actor, reason)
            moved += 1
        notice.provisional_end = provisional
    runtime.run_deferred()
    db.session.flush()
    return moved


def _move(runtime: Runtime, notice: PublicNotice, end: datetime, actor: User | None, reason: str) -> None:
    old, notice.ends_at = notice.ends_at, end
    instance = db.session.get(ProcessInstance, notice.instance_id) if notice.instance_id else None
    _tell(notice, instance, old, end)
    if instance is None or instance.status != "running":
        return
    move_moment(runtime, instance, old, end)
    title = f"公示期截止日调整为 {last_day(end.isoformat())}（含当日），原为 {last_day(old.isoformat())}"
    db.session.add(AuditEvent(
        instance_id=instance.id, actor_id=actor.id if actor else None, action=NOTICE_END_MOVED, title=title[:200],
        detail={"notice_id": notice.id, "from": old.isoformat(), "to": end.isoformat(), "reason": reason},
        at=clock.now()))


def _tell(notice: PublicNotice, instance: ProcessInstance | None, old: datetime, end: datetime) -> None:
    """Those told the notice's last day when it opened — the applicant or operator and its recommending unit
    (tasks/common.py, open_public_notice and the result's publication) — learn the new one."""
    subject = {"space": MakerSpace, "application": Application}.get(notice.subject_type)
    party = instance or (db.session.get(subject, notice.subject_id) if subject else None)
    if party is None:
        return
    text = (f"「{notice.title}」的公示期截止日调整为 {last_day(end.isoformat())}（含当日），原为 "
            f"{last_day(old.isoformat())}：录入节假日安排后按工作日重新计算。")
    if party.organisation_id is not None:
        notify_organisation(party.organisation_id, text)
    notify_unit(party.unit_id, text)
