"""The registry of recognised maker spaces and everything on their dossier (Art. 15–20)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db

from .base import UTCDateTime, utcnow

SPACE_STATUSES = ("recognised", "rectification", "revoked", "left", "national", "national_professional")


class MakerSpace(db.Model):
    __tablename__ = "maker_space"
    # The statuses in which a space holds its recognition (a certificate; a namesake to point out).
    CERTIFIED = ("recognised", "rectification", "national", "national_professional")
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    status: Mapped[str] = mapped_column(String(30), default="recognised", index=True)
    recognised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    certificate_no: Mapped[str] = mapped_column(String(40), unique=True)
    # When the next three-yearly evaluation is due (set by the lifecycle diagram): the year's evaluations
    # are scheduled by it, by recognition date and by filing level (Art. 18).
    next_evaluation_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    lifecycle_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))

    organisation = relationship("Organisation")
    unit = relationship("Unit")
    history: Mapped[list["SpaceStatusChange"]] = relationship(order_by="SpaceStatusChange.id")


class SpaceStatusChange(db.Model):
    __tablename__ = "space_status_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("maker_space.id"), index=True)
    old_status: Mapped[str | None] = mapped_column(String(30))
    new_status: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))


class Report(db.Model):
    """A half-year operations and statistics report (R14)."""

    __tablename__ = "space_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("maker_space.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))  # on_time | late | missing
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    __table_args__ = (Index("ix_space_report_space", "space_id", "opened_at"),)


class ChangeFiling(db.Model):
    __tablename__ = "change_filing"
    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("maker_space.id"), index=True)
    change_type: Mapped[str] = mapped_column(String(20))
    change_type_label: Mapped[str] = mapped_column(String(100), default="")  # as the diagram named it
    description: Mapped[str] = mapped_column(Text)
    accepted: Mapped[bool]
    comments: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    # What was filed, as the reviewers read it: the new values by the form's keys (new_total_area_m2,
    # new_address, new_organisation_name, …) and `change_before`, the values on record when it was filed.
    # Empty for filings from before the form asked for values.
    filed_values: Mapped[dict | None] = mapped_column(JSON)

    VALUE_KEYS = ("new_total_area_m2", "new_public_area_m2", "new_address", "new_direction",
                  "new_organisation_name", "new_organisation_credit_code", "change_before")


class Evaluation(db.Model):
    __tablename__ = "evaluation"
    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("maker_space.id"), index=True)
    score: Mapped[float | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[str] = mapped_column(String(20))
    materials_late: Mapped[bool] = mapped_column(default=False)
    materials_false: Mapped[bool] = mapped_column(default=False)
    # The experts' comments, as the operator is told them with the grade (no names).
    comments: Mapped[list] = mapped_column(JSON, default=list)
    # An objection upheld during the result notice withdraws the result; the case is reviewed again.
    withdrawn: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))


class Award(db.Model):
    """The awards ledger (R12, R13, R19)."""

    __tablename__ = "award"
    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("maker_space.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # evaluation | national | national_professional
    amount: Mapped[int] = mapped_column(Integer)  # yuan
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))


class PublicNotice(db.Model):
    """A public notice (公示): a recognition shortlist entry or an evaluation result."""

    __tablename__ = "public_notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provisional_end: Mapped[bool] = mapped_column(default=False)
    grade: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[float | None] = mapped_column(Numeric(6, 2))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))  # where objections go
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_public_notice_subject", "subject_type", "subject_id"),)

    def state(self, now: datetime) -> str:
        """running | ended | withdrawn, by the calendar (the period's end instant): what the portal and the
        staff's list say of it."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.ends_at is not None and self.ends_at <= now:
            return "ended"
        return "running"
