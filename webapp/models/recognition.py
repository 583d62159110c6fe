"""The business record of recognition (Art. 6–9): rounds, applications, attachments, objections."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db

from .base import UTCDateTime, utcnow

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


class ApplicationRound(db.Model):
    """A batch (批次) in which the Department accepts applications (R9)."""

    __tablename__ = "application_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    is_open: Mapped[bool] = mapped_column(default=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))

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
    )


class Attachment(db.Model):
    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # random; never the user's name
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="attachments")

    @property
    def kind_label(self) -> str:
        return ATTACHMENT_KINDS.get(self.kind, self.kind)


class Objection(db.Model):
    """An objection lodged during a public notice (公示)."""

    __tablename__ = "objection"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    objector: Mapped[str] = mapped_column(String(120))
    objector_kind: Mapped[str] = mapped_column(String(20))  # individual | unit
    contact: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    upheld: Mapped[bool | None]
    refused_reason: Mapped[str] = mapped_column(String(200), default="")  # not accepted, and why
    answer: Mapped[str] = mapped_column(Text, default="")
