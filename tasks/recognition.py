"""Service tasks of recognition.bpmn (Art. 6–9, R9)."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.engine.sandbox import last_day
from webapp.extensions import db
from webapp.models import MakerSpace, Objection, PublicNotice, SpaceStatusChange
from webapp.workdays import add_working_days

from . import registry
from .common import (
    PROVISIONAL,
    capped_total,
    combine_scores,
    notify_organisation,
    notify_unit,
    subject_application,
    withdraw_notices,
)

OUTCOME_TEXT = {
    "recognised": "已认定为自治区众创空间",
    "declined": "推荐单位未予推荐",
    "not_selected": "未列入拟入选名单",
    "objection_upheld": "公示异议成立，不予认定",
    "credit_failed": "信用审查未通过，不予认定",
    "lapsed": "逾期未提交，申报终止",
}


@registry.register("set_outcome")
def set_outcome(ctx, outcome: str, reason: str = "") -> dict:
    """Record how the case ended and tell the applicant, with the reason the diagram gives."""
    application = subject_application(ctx)
    application.status = outcome
    application.outcome_reason = (reason or "").strip()
    told = f"申报「{application.space_name}」：{OUTCOME_TEXT.get(outcome, outcome)}"
    if application.outcome_reason:
        told += ("。" if outcome == "recognised" else "。原因：") + application.outcome_reason
    notify_organisation(application.organisation_id, told, f"/applications/{application.id}")
    if ctx.data.get("recommender_decision") == "recommend":  # only what it recommended (not its own refusal,
        notify_unit(application.unit_id, told, f"/applications/{application.id}")  # nor a lapse it never saw)
    return {"outcome": outcome}


@registry.register("combine_panel_scores")
def combine_panel_scores(ctx, trim_when_at_least: int = 5, flag_spread_over: float = 20,
                         base_max: float = 100, bonus_max: float = 20) -> dict:
    """Art. 19: each expert's sheet counts base up to `base_max` and bonus up to `bonus_max` (parameters
    of this step in the diagram), so no total above their sum comes out, however a score arrived."""
    sheets = [s for s in ctx.data.get("expert_scores", []) if isinstance(s, dict)]
    capped = []
    for sheet in sheets:
        total = capped_total(sheet, base_max, bonus_max)
        capped.append({**sheet, "total": float(total), "capped": float(total) < float(sheet.get("total") or 0)})
    totals = [s["total"] for s in capped]
    score, needs_discussion = combine_scores(totals, trim_when_at_least, flag_spread_over)
    if ctx.instance.subject_type == "application":
        subject_application(ctx).panel_score = score
    # The rules this panel was combined by go with the result, so the pages say the diagram's numbers (a
    # designer may change them); a discussion of an earlier panel (before a re-scoring) no longer applies.
    return {"panel_score": float(score), "panel_needs_discussion": needs_discussion, "expert_scores": capped,
            "panel_spread": float(max(totals) - min(totals)) if totals else 0.0,
            "panel_flag_spread_over": float(flag_spread_over), "panel_base_max": float(base_max),
            "panel_bonus_max": float(bonus_max), "panel_discussion": ""}


@registry.register("open_public_notice")
def open_public_notice(ctx, working_days: int = 5) -> dict:
    application = subject_application(ctx)
    end, provisional = add_working_days(ctx.now, int(working_days))
    db.session.add(
        PublicNotice(
            subject_type="application",
            subject_id=application.id,
            title=f"自治区众创空间拟认定名单公示：{application.space_name}",
            body=f"运营单位：{application.organisation.name}；推荐单位：{application.unit.name}",
            starts_at=ctx.now,
            ends_at=end,
            provisional_end=provisional,
            score=application.panel_score,
            instance_id=ctx.instance.id,
        )
    )
    # The applicant and its recommending unit learn the step (they were told nothing until the outcome).
    told = (f"申报「{application.space_name}」已列入自治区众创空间拟认定名单，现向社会公示，公示至 {last_day(end.isoformat())}"
            f"（含当日）{PROVISIONAL if provisional else ''}。公示期满无异议的，予以认定。")
    link = f"/applications/{application.id}"
    notify_organisation(application.organisation_id, told, link)
    notify_unit(application.unit_id, told, link)
    return {"notice_end": end.isoformat(), "notice_provisional": provisional}


def next_certificate_no(year: int) -> str:
    """NMZC-<year>-<serial>, the serial counted per year. Two recognitions racing for the same number
    meet the unique constraint; the loser's transaction rolls back and is retried."""
    prefix = f"NMZC-{year}-"
    last = db.session.scalar(select(func.max(MakerSpace.certificate_no)).where(MakerSpace.certificate_no.like(prefix + "%")))
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


@registry.register("take_queued_objection")
def take_queued_objection(ctx) -> dict:
    """After an objection is decided not upheld: the next objection that came in meanwhile (queued by the
    portal or the Torch Center: webapp/notices/objections.py), oldest first, is investigated next (the diagram
    clears its predecessor's findings and answer on the way). `objection_queued` False: none is waiting."""
    queued = db.session.scalar(select(Objection).where(
        Objection.instance_id == ctx.instance.id, Objection.queued.is_(True))
        .order_by(Objection.lodged_at, Objection.id).limit(1))
    if queued is None:
        return {"objection_queued": False}
    queued.queued = False
    return {"objection_queued": True, "objection": queued.as_message()}


@registry.register("settle_queued_objections")
def settle_queued_objections(ctx, because: str = "not_recognised") -> dict:
    """An objection was upheld: those still queued are not investigated on their own; each is recorded as
    settled by that decision. `because` (a parameter in the diagram) says how: "not_recognised" (the case
    ends, the objectors' aim is reached) or "result_withdrawn" (an evaluation result is withdrawn and scored
    again; the new result is noticed anew and takes objections of its own)."""
    reason = Objection.SETTLED_RESULT_WITHDRAWN if because == "result_withdrawn" else Objection.SETTLED
    for queued in db.session.scalars(select(Objection).where(
            Objection.instance_id == ctx.instance.id, Objection.queued.is_(True))):
        queued.queued, queued.refused_reason = False, reason
    return {}


@registry.register("withdraw_notice")
def withdraw_notice(ctx) -> dict:
    """The case's notice ends early (an objection was upheld: the applicant is not recognised): withdrawn, so
    the portal no longer offers it as running nor takes objections to it."""
    withdraw_notices(ctx.instance.id, ctx.now, ended_too=True)
    return {}


@registry.register("record_objection_decision")
def record_objection_decision(ctx) -> dict:
    """The decision just taken on the objection in hand (`objection_upheld`, `objection_answer`) is kept on
    that objection's own row: with several objections to one notice, each has its own answer for the
    supervisors and the staff who answer the objector. (An objection the diagram got without an id, e.g. in
    a designer's trial run, has no row to write.)"""
    objection_id = (ctx.data.get("objection") or {}).get("objection_id")
    row = db.session.get(Objection, objection_id) if isinstance(objection_id, int) else None
    if row is not None and row.instance_id == ctx.instance.id:
        row.upheld = bool(ctx.data.get("objection_upheld"))
        row.answer = str(ctx.data.get("objection_answer") or "").strip()
    return {}


@registry.register("recognise_space")
def recognise_space(ctx) -> dict:
    """The space enters the registry, a plaque/certificate number is issued and the applicant is told.
    When a lifecycle process is deployed, its life under Art. 15–20 starts now."""
    application = subject_application(ctx)
    space = register_space(ctx.runtime, name=application.space_name, organisation_id=application.organisation_id,
                           unit_id=application.unit_id, application_id=application.id, instance_id=ctx.instance.id)
    # An objection dismissed during the notice (the case then ran on to the notice's end) is not "no objection".
    heard = "经公示，公示期间收到的异议经核实不成立" if ctx.data.get("objection") else "经公示无异议"
    set_outcome(ctx, "recognised", f"{heard}，认定为自治区众创空间并授牌，证书编号 {space.certificate_no}（第八条）")
    return {"outcome": "recognised", "space_id": space.id, "certificate_no": space.certificate_no}


def register_space(runtime, *, name: str, organisation_id: int, unit_id: int, application_id: int | None = None,
                   instance_id: int | None = None) -> MakerSpace:
    """Enter a space in the registry as recognised now, with its certificate number and first status
    entry, and start its lifecycle (after the current instance is saved). Flushes only."""
    from webapp.clock import clock

    now = clock.now()
    space = MakerSpace(name=name, organisation_id=organisation_id, unit_id=unit_id, application_id=application_id,
                       status="recognised", recognised_at=now, certificate_no=next_certificate_no(now.year))
    db.session.add(space)
    db.session.flush()
    db.session.add(SpaceStatusChange(space_id=space.id, old_status=None, new_status="recognised",
                                     reason="认定并授牌（第八条）", at=now, instance_id=instance_id))
    start_lifecycle(runtime, space)
    return space


def start_lifecycle(runtime, space: MakerSpace) -> None:
    from webapp.engine.definitions import latest_bundle

    bundle = latest_bundle()
    if bundle is None or "space_lifecycle" not in bundle.process_ids:
        return

    def remember(instance):
        space.lifecycle_instance_id = instance.id

    runtime.defer_start(
        "space_lifecycle",
        subject_type="space",
        subject_id=space.id,
        organisation_id=space.organisation_id,
        unit_id=space.unit_id,
        data={"space_id": space.id, "recognised_at": space.recognised_at.isoformat()},
        on_started=remember,
    )
