"""Append-only audit trail and in-app notifications."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db

from .base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(40))  # started|completed|claimed|released|message|timer|...
    task_spec: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor = relationship("User")
    __table_args__ = (Index("ix_audit_event_instance", "instance_id", "id"),)


class Notification(db.Model):
    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed: Mapped[bool] = mapped_column(default=False)
    mail_failed: Mapped[bool] = mapped_column(default=False)  # the server refused it: not retried

    __table_args__ = (Index("ix_notification_user", "user_id", "read_at"),)
