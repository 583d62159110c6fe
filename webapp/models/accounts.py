"""People and the bodies they act for."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.passwords import hash_password, verify_password

from .base import UTCDateTime

# The roles of regulation.md's actor table. Lanes in the diagrams use the first five.
ROLES = ("applicant", "recommender", "torch_center", "expert", "approver", "supervisor", "designer")
LANE_ROLES = ("applicant", "recommender", "torch_center", "expert", "approver")
GROUP_ROLES = ("torch_center", "approver")  # tasks are offered to the whole group, then claimed
SEE_ALL_ROLES = ("torch_center", "approver", "supervisor")


class Unit(db.Model):
    """A recommending unit (推荐单位): league/city bureau, high-tech zone, agri zone or university."""

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))  # bureau | hightech_zone | agri_zone | university


class Organisation(db.Model):
    """A legal entity that operates (or wants to operate) a maker space (申报单位/运营机构)."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    unit: Mapped[Unit] = relationship()

    @classmethod
    def known_as(cls, name: str, code: str, unit_id: int | None) -> "tuple[Organisation | None, str]":
        """The organisation a typed name and 统一社会信用代码 are, if the system knows it: the one registered
        with that code; else one of that name with no code on record under the recommending unit `unit_id` (a
        name alone is no proof across units: a filing moved a space to another unit's namesake). Returns
        (organisation, how): how is "code", "name", or "" when the system does not know it."""
        if not code:
            return None, ""
        found = db.session.scalars(select(cls).where(cls.credit_code == code).order_by(cls.id)).first()
        if found is not None:
            return found, "code"
        found = db.session.scalars(select(cls).where(
            cls.name == name, cls.unit_id == unit_id, or_(cls.credit_code.is_(None), cls.credit_code == ""))
            .order_by(cls.id)).first()
        return (found, "name") if found is not None else (None, "")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    # applicant: the organisation it acts for; expert: its employer (for conflicts of interest)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # recommender: its unit; expert: the unit it belongs to (for conflicts of interest)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    # The server-side session (UserSession's token) this object was loaded through; not a column.
    session_token = None

    def get_id(self) -> str:  # flask-login keeps this in the session cookie: the session, not the person
        if not self.session_token:
            raise RuntimeError("log in through webapp.auth.sessions.start_session, which sets session_token")
        return self.session_token

    # UserMixin compares get_id(), which is now the session: compare the person instead.
    def __eq__(self, other):
        if isinstance(other, User):
            return self.id == other.id
        return NotImplemented

    __hash__ = UserMixin.__hash__

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)  # argon2id (webapp/passwords.py)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def sees_everything(self) -> bool:
        return self.role in SEE_ALL_ROLES

    def has_conflict_with(self, organisation_id: int, unit_id: int) -> bool:
        """An expert may not review a case from its own organisation or unit."""
        return self.organisation_id == organisation_id or self.unit_id == unit_id


class UserSession(db.Model):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of the
    database opens no session. Logging out deletes the row, a password change deletes all of the person's
    rows: a cookie saved earlier then opens nothing. Times are real (wall-clock) UTC, not the app clock."""

    __tablename__ = "user_session"
    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginFailure(db.Model):
    """One failed log-in (or wrong current password), counted by the log-in throttle (webapp/auth/throttle.py)
    three times: under the account name at the client address, under the account name, and under the client
    address. Kept in the database so that every
    worker process and machine counts the same failures. Rows older than the throttle's window are deleted as
    new ones arrive. Times are real (wall-clock) UTC, not the app clock."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # pair | account | address
    # account: SHA-256 of the normalised name as typed (the box sometimes holds a password); address: the
    # client address (hashed too if longer than the column); pair: SHA-256 of the two together
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_login_failure_kind_key_at", "kind", "key", "at"),)
