"""The business record of recognition (Art. 6–9): rounds, applications, attachments, objections."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from webapp.clock import CHINA
from webapp.extensions import db

from .base import UTCDateTime, utcnow

# The applicant's own form (its formKey): the files handed in with it are the application's documents, and a file
# handed in with it again replaces the earlier one of its kind; files handed in with any other form (补充材料,
# asked for by the Torch Center) add to the documents.
APPLICATION_FORM = "recognition.application"

# Art. 7 attachment kinds, in the regulation's order.
ATTACHMENT_KINDS = {
    "legal_entity": "独立法人的证明（复印件）",
    "representative_id": "法定代表人或单位负责人的有效身份证明（复印件）",
    "premises": "场所产权证书或租赁合同（复印件）",
    "staff_mentors": "管理服务人员名单及学历证明，创业导师名单及聘书",
    "rules": "内部管理规范制度",
    "services_evidence": "开展服务、活动和具备服务功能的佐证材料",
    "other": "其他应提交的材料",
}



# The recommending units that take part in a round (Art. 8: applications go through them).
application_round_unit = Table(
    "application_round_unit", db.metadata,
    Column("round_id", ForeignKey("application_round.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True, index=True),
)


def day_start(day: date) -> datetime:
    """00:00 of a calendar day in China time, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=CHINA)


class ApplicationRound(db.Model):
    """A batch (批次) in which the Department accepts applications (Art. 8, 定期受理; R9).

    Its status follows from the app clock alone (webapp.clock): planned before `opens_at`, open
    until `closes_at` or until the Department closes it early, closed afterwards. No timer is involved.
    """

    __tablename__ = "application_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column("name", String(120))
    name = synonym("title")  # older templates say round.name
    year: Mapped[int]
    batch: Mapped[int]
    # The first instant applications are accepted: 00:00 China time of the opening day.
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The end instant, exclusive: the round accepts applications for the whole closing day in China time,
    # so this is the next day's 00:00 Asia/Shanghai (closing day 2026-05-31 -> 2026-06-01 00:00 +08:00).
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    instructions: Mapped[str] = mapped_column(Text, default="")
    closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    units = relationship("Unit", secondary=application_round_unit, order_by="Unit.id")
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    __table_args__ = (Index("ix_application_round_dates", "opens_at", "closes_at"),)

    @property
    def opens_on(self) -> date:
        """The opening day (China time)."""
        return self.opens_at.astimezone(CHINA).date()

    @property
    def closes_on(self) -> date:
        """The last day applications are accepted (China time), inclusive."""
        return (self.closes_at.astimezone(CHINA) - timedelta(microseconds=1)).date()

    @property
    def ended_at(self) -> datetime:
        """When the round stopped (or will stop) accepting applications."""
        return self.closed_early_at or self.closes_at

    def status_at(self, now: datetime) -> str:
        """planned | open | closed at the instant `now`."""
        if self.closed_early_at is not None:
            return "closed"
        if now < self.opens_at:
            return "planned"
        return "open" if now < self.closes_at else "closed"

    @property
    def status(self) -> str:
        from webapp.clock import clock

        return self.status_at(clock.now())

    def takes_part(self, unit_id: int | None) -> bool:
        return unit_id is not None and any(unit.id == unit_id for unit in self.units)

    def accepts(self, unit_id: int | None, now: datetime | None = None) -> bool:
        """Does this round accept an application through this recommending unit at `now`?"""
        if now is None:
            from webapp.clock import clock

            now = clock.now()
        return self.status_at(now) == "open" and self.takes_part(unit_id)


class Application(db.Model):
    __tablename__ = "application"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("application_round.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    space_name: Mapped[str] = mapped_column(String(200))
    # draft|in_review|recognised|declined|not_selected|objection_upheld|withdrawn: set by the diagram's outcome
    status: Mapped[str] = mapped_column(String(30), default="in_review")
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # Art. 6 facts as last submitted
    panel_score: Mapped[float | None] = mapped_column(Numeric(6, 2))
    # Why the case ended as it did (the conditions that failed, the recommender's or Department's reasons).
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    # The one-time token of the *新建申报* form that created it: the same form posted twice (a double
    # click, a resubmit, two tabs) finds this application instead of starting a second case.
    submission_token: Mapped[str | None] = mapped_column(String(64))

    round: Mapped[ApplicationRound] = relationship()
    instance = relationship("ProcessInstance")
    organisation = relationship("Organisation")
    unit = relationship("Unit")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="application", order_by="Attachment.id"
    )

    __table_args__ = (
        Index("ix_application_org", "organisation_id", "id"),
        Index("ix_application_unit", "unit_id", "id"),
        Index("ix_application_round", "round_id", "status"),
        UniqueConstraint("organisation_id", "submission_token", name="uq_application_submission"),
    )


class Attachment(db.Model):
    """A file uploaded at a step of a case: owned by an application, a space, or just the case."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("maker_space.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))  # the case uploaded in
    task_spec: Mapped[str | None] = mapped_column(String(255))  # the step uploaded at
    kind: Mapped[str] = mapped_column(String(30))
    # The label shown, as the form named it at upload time (survives later diagram changes).
    kind_label: Mapped[str | None] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(255))  # cleaned, otherwise as the user named it
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # random; never the user's name
    content_type: Mapped[str] = mapped_column(String(100))  # from the sniffed content
    size: Mapped[int]
    # None: sent through the public portal, by someone without an account (an objector's evidence)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # An objection's stamped letter and evidence belong to it alone: never to the application, space or
    # case, whose applicant must not learn who objected.
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("objection.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The form of the step it came with (its formKey): a file handed in with the application form replaces the
    # earlier one of its kind, one handed in with any other (a supplement) adds to the documents. None: not
    # handed in through a step's form. (Last, as migration 0009 added it: a backup lists columns in order.)
    form_key: Mapped[str | None] = mapped_column(String(100))

    application: Mapped[Application | None] = relationship(back_populates="attachments")
    space = relationship("MakerSpace")
    instance = relationship("ProcessInstance")
    objection = relationship("Objection", back_populates="files")

    @property
    def replaces_earlier(self) -> bool:
        """Is this file a version of its application's document of its kind (handed in with the application
        form, or with no form: rows saved before the form was recorded), rather than one added to the documents?"""
        return self.application_id is not None and self.form_key in (None, APPLICATION_FORM)

    @property
    def is_replaced(self) -> bool:
        """Is this file an earlier version: did a later file of its kind, handed in with the application form,
        replace it?"""
        if self.application is None or not self.replaces_earlier:
            return False
        return any(other.id > self.id and other.kind == self.kind and other.replaces_earlier
                   for other in self.application.attachments)

    __table_args__ = (
        Index("ix_attachment_instance", "instance_id", "id"),
        Index("ix_attachment_space", "space_id", "id"),
    )

    @property
    def label(self) -> str:
        """The stored label; rows from before labels were stored fall back to the Art. 7 names."""
        return self.kind_label or ATTACHMENT_KINDS.get(self.kind, self.kind)


class Objection(db.Model):
    """An objection lodged during a public notice (公示)."""

    __tablename__ = "objection"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    # The notice objected to and the case it went to (a recognition shortlist or an evaluation result).
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("public_notice.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    objector: Mapped[str] = mapped_column(String(120))
    objector_kind: Mapped[str] = mapped_column(String(20))  # individual | unit
    contact: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Where it came in: recorded by Torch Center staff, or sent by the objector through the public portal.
    origin: Mapped[str] = mapped_column(String(10), default="staff")  # staff | public
    upheld: Mapped[bool | None]
    # Not accepted, and why; or SETTLED: accepted and queued, then ended by another objection's upholding.
    refused_reason: Mapped[str] = mapped_column(String(200), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    # Accepted while another objection of the same case was being investigated: the case's diagram takes it
    # up after that one (service task take_queued_objection), so a real-name objection made in time is heard.
    queued: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Why a queued objection was not investigated on its own: another objection was upheld first.
    SETTLED = "settled: another objection to the same notice was upheld"
    SETTLED_RESULT_WITHDRAWN = "settled: another objection was upheld and the result withdrawn"

    def as_message(self) -> dict:
        """What the case receives of it (the `objection` message's payload, and a queued one's data)."""
        return {"objection_id": self.id, "objector": self.objector, "contact": self.contact,
                "objector_kind": self.objector_kind, "origin": self.origin, "reasons": self.reasons}

    files: Mapped[list[Attachment]] = relationship(back_populates="objection", order_by="Attachment.id")
