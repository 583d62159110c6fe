"""Helpers shared by service-task modules."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Application, MakerSpace, PublicNotice, User
from webapp.notifications import notify

TWO_PLACES = Decimal("0.01")


def to_score(value) -> Decimal:
    """Scores are fixed decimals with two places (evaluation-defaults.md)."""
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


_DIGITS = "零一二三四五六七八九"
_PERIOD = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")


def _chinese_number(n: int) -> str:
    """1–99 in Chinese numerals (两 for a lone 2, as 两年), larger ones in digits."""
    if n == 2:
        return "两"
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return str(n)


def period_words(duration: str | None) -> str:
    """An ISO duration of a diagram in the words a notice uses: "P1Y" 一年, "P6M" 六个月, "P1Y6M" 一年六个月,
    "P90D" 九十天. "" for none, or one with hours (nobody's period is that), so a text can leave the length out."""
    found = _PERIOD.fullmatch((duration or "").strip().upper())
    if not found or not any(found.groups()):
        return ""
    units = ("年", "个月", "周", "天")
    return "".join(_chinese_number(int(n)) + unit for n, unit in zip(found.groups(), units, strict=True)
                   if n and int(n))


def subject_application(ctx) -> Application:
    if ctx.instance.subject_type != "application":
        raise LookupError("this service task needs an application case")
    return db.session.get(Application, ctx.instance.subject_id)


def subject_space(ctx) -> MakerSpace:
    space_id = ctx.data.get("space_id") if ctx.instance.subject_type != "space" else ctx.instance.subject_id
    space = db.session.get(MakerSpace, int(space_id))
    if space is None:
        raise LookupError(f"maker space {space_id} not found")
    return space


def notify_organisation(organisation_id: int, text: str, link: str = "") -> None:
    for user in db.session.scalars(
        select(User).where(User.organisation_id == organisation_id, User.role == "applicant")
    ):
        notify(user, text, link)


def notify_unit(unit_id: int | None, text: str, link: str = "") -> None:
    """The recommending unit's people (推荐单位), who recommended the case and answer for it locally."""
    if unit_id is None:
        return
    for user in db.session.scalars(
        select(User).where(User.unit_id == unit_id, User.role == "recommender", User.active.is_(True))
    ):
        notify(user, text, link)


def capped_total(sheet: dict, base_max: float, bonus_max: float) -> Decimal:
    """Art. 19: base (out of `base_max`) + bonus (out of `bonus_max`), however the sheet arrived — the
    items of a sheet may add up to more than its caps, and a sheet may carry only a total."""
    if "base" in sheet or "bonus" in sheet:
        base = min(max(to_score(sheet.get("base") or 0), Decimal(0)), to_score(base_max))
        bonus = min(max(to_score(sheet.get("bonus") or 0), Decimal(0)), to_score(bonus_max))
        return base + bonus
    return min(max(to_score(sheet.get("total") or 0), Decimal(0)), to_score(base_max) + to_score(bonus_max))


def combine_scores(totals: list, trim_when_at_least: int, flag_spread_over: float) -> tuple[Decimal, bool]:
    """Mean of the experts' totals; drop the highest and lowest when the panel is large enough.
    Flag the panel for discussion when two totals differ by more than `flag_spread_over`."""
    scores = sorted(to_score(t) for t in totals)
    if not scores:
        return Decimal("0.00"), False
    needs_discussion = (scores[-1] - scores[0]) > Decimal(str(flag_spread_over))
    if len(scores) >= int(trim_when_at_least):
        scores = scores[1:-1]
    mean = sum(scores, Decimal(0)) / len(scores)
    return mean.quantize(TWO_PLACES, rounding=ROUND_HALF_UP), needs_discussion


def withdraw_notices(instance_id: int, now, *, ended_too: bool) -> None:
    """The case's notices are withdrawn now: the portal no longer shows them as 公示中 nor takes objections
    nobody would hear. `ended_too`: also one whose days are over (an objection upheld after a notice's last
    day withdraws what was noticed); else one that ran its course stays ended (a case cancelled later)."""
    query = select(PublicNotice).where(PublicNotice.instance_id == instance_id, PublicNotice.withdrawn_at.is_(None))
    if not ended_too:
        query = query.where(PublicNotice.ends_at.is_(None) | (PublicNotice.ends_at > now))
    for notice in db.session.scalars(query):
        notice.withdrawn_at = now


# Beside a notice's last day counted without the year's holiday calendar (webapp/workdays.py): why it may move.
PROVISIONAL = "（暂定：该年节假日安排尚未公布，截止日期按周末推算，可能顺延）"
