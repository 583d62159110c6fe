from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class AppSetting(db.Model):
    """Small key/value settings shared by the web server and the sweeper (e.g. the demo clock offset)."""

    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


class Holiday(db.Model):
    """A day whose working status staff entered by hand (years past the chinesecalendar package's data)."""

    __tablename__ = "holiday"
    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool] = mapped_column(default=False)  # True: a make-up working day (调休)
    name: Mapped[str] = mapped_column(String(60), default="")
