"""In-app notices, and e-mail through an outbox that the sweeper drains after commits."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from webapp.engine.clock import clock
from webapp.extensions import db
from webapp.models import HumanTask, Notification, User

log = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")


def notify(user: User, text: str, link: str = "") -> None:
    db.session.add(Notification(user_id=user.id, text=text[:500], link=link, created_at=clock.now()))


def notify_new_tasks(rows: list[HumanTask], because: dict[int, str] | None = None) -> None:
    """Tell everyone a new task waits on: which step, for which case, why it opened (the diagram's
    `openedBecause`, e.g. a return and its reasons) and by when."""
    from webapp.access import users_for_task

    for row in rows:
        text = f"新的待办：{row.title}（{row.instance.subject_title}）" if row.instance.subject_title else f"新的待办：{row.title}"
        if because and because.get(row.id):
            text += "。" + because[row.id]
        if row.due_at:
            text += f"。办理期限：{row.due_at.astimezone(CHINA):%Y-%m-%d}"
        for user in users_for_task(row):
            notify(user, text, f"/tasks/{row.id}")


def send_due_reminders(now, limit: int = 500) -> int:
    """Remind the people a task waits on, once, when its `remind_at` has come (found by index)."""
    from webapp.access import users_for_task

    rows = db.session.scalars(select(HumanTask).where(
        HumanTask.status == "open", HumanTask.remind_at.is_not(None), HumanTask.remind_at <= now)
        .order_by(HumanTask.remind_at).limit(limit)).all()
    for row in rows:
        for user in users_for_task(row) if row.claimed_by_id is None else [row.claimed_by]:
            notify(user, f"办理提醒：「{row.title}」（{row.instance.subject_title}）将于 "
                         f"{row.due_at.astimezone(CHINA):%Y-%m-%d} 到期，请及时办理。", f"/tasks/{row.id}")
        row.remind_at = None
    return len(rows)


def send_pending_mail(limit: int = 100) -> int:
    """Send e-mail for notifications not yet mailed (only when a mail host is configured).
    Owns its transactions: call it only from the sweeper, never inside a user's request."""
    host = current_app.config.get("MAIL_HOST")
    if not host:
        return 0
    pending = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed.is_(False), Notification.mail_failed.is_(False), User.email.is_not(None))
        .limit(limit)
    ).all()
    if not pending:
        return 0
    sent = 0
    with smtplib.SMTP(host, current_app.config["MAIL_PORT"], timeout=10) as smtp:
        for notification, user in pending:
            message = EmailMessage()
            message["From"] = current_app.config["MAIL_SENDER"]
            message["To"] = user.email
            message["Subject"] = "【众创空间管理系统】" + notification.text.split("。")[0][:60]  # the rest is in the body
            message.set_content(f"{user.display_name}：\n\n{notification.text}\n{notification.link}\n")
            try:
                smtp.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
                # This message will never go through; don't let it block the ones behind it.
                log.warning("mail to %s refused", user.email)
                notification.mail_failed = True
                db.session.commit()
                continue
            notification.emailed = True
            db.session.commit()  # one by one: a failure later in the batch must not resend these
            sent += 1
    return sent
