"""In-app notices, and e-mail through an outbox that the sweeper drains after commits."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from webapp.engine.clock import clock
from webapp.extensions import db
from webapp.models import HumanTask, Notification, User

log = logging.getLogger(__name__)


def notify(user: User, text: str, link: str = "") -> None:
    db.session.add(Notification(user_id=user.id, text=text[:500], link=link, created_at=clock.now()))


def notify_new_tasks(rows: list[HumanTask]) -> None:
    from webapp.access import users_for_task

    for row in rows:
        for user in users_for_task(row):
            notify(user, f"新的待办：{row.title}", f"/tasks/{row.id}")


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
            message["Subject"] = "【众创空间管理系统】" + notification.text[:60]
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
