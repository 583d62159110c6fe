"""The public portal, with no login: notices (recognition shortlists, evaluation results) each on its own
page with its period; an objection form on a running notice; the registry of recognised spaces.

An objection reaches the notice's case as the `objection` message its diagram waits for (through
`lodge`, as staff-recorded ones do). Late, anonymous and unstamped-unit objections are refused with the
reason, and the refusal is recorded."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forms.objection import PublicObjectionForm
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import MakerSpace, ProcessInstance, PublicNotice
from webapp.notices.objections import (
    ANONYMOUS,
    LATE,
    NO_STAMP,
    REPEATED,
    WITHDRAWN,
    lodge,
    refusal_text,
    repeats,
)
from webapp.views import get_or_404, report_engine_fault

from .limits import (
    init_limiter,
    limiter,
    objection_attempt_limit,
    objection_limit,
    objection_refused_message,
    only_taken,
    read_limit,
    taken,
)

bp = Blueprint("portal", __name__, url_prefix="/public")
bp.record_once(lambda state: init_limiter(state.app))

# Signed-in roles that change nothing (issue 8: every POST route answers 403 to a supervisor) may read the
# portal but not object through it.
READ_ONLY_ROLES = ("supervisor",)
NOTICE_SUBJECTS = ("application", "space")  # a recognition shortlist entry, an evaluation result
LIST_LIMIT = 300


def notice_state(notice: PublicNotice, now: datetime) -> str:
    """running | ended | withdrawn, by the calendar (the period's end instant, China time)."""
    return notice.state(now)


def _published(notice_id: str) -> PublicNotice:
    """A notice that has started; anything else (a malformed id, a future notice) is simply not found."""
    notice = get_or_404(PublicNotice, notice_id)
    if notice.subject_type not in NOTICE_SUBJECTS or notice.starts_at > clock.now():
        abort(404)
    return notice


@bp.route("/notices")
@limiter.limit(read_limit)
def notices():
    now = clock.now()
    rows = db.session.scalars(
        select(PublicNotice)
        .where(PublicNotice.subject_type.in_(NOTICE_SUBJECTS), PublicNotice.starts_at <= now)
        .order_by(PublicNotice.starts_at.desc(), PublicNotice.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    listed = [(notice, notice_state(notice, now)) for notice in rows]
    running = [item for item in listed if item[1] == "running"]
    past = [item for item in listed if item[1] != "running"]
    return render_template("portal/notices.html", running=running, past=past)


def _read_only() -> bool:
    return current_user.is_authenticated and current_user.role in READ_ONLY_ROLES


def _notice_page(notice: PublicNotice, form: PublicObjectionForm | None = None, status: int = 200):
    state = notice_state(notice, clock.now())
    if _read_only():
        form = None
    elif form is None and state == "running":
        form = PublicObjectionForm(formdata=None, objector_kind="individual")
    return render_template("portal/notice.html", notice=notice, state=state,
                           form=form if state == "running" else None), status


@bp.route("/notices/<notice_id>")
@limiter.limit(read_limit)
def notice(notice_id):
    return _notice_page(_published(notice_id))


def _refusal(notice: PublicNotice, form: PublicObjectionForm) -> str:
    """Why the portal refuses before asking the case: withdrawn, late (by the calendar), anonymous, or a
    unit without its stamped letter. The case itself refuses anything it no longer waits for."""
    if notice.withdrawn_at is not None:
        return WITHDRAWN
    if notice.ends_at is not None and notice.ends_at <= clock.now():
        return LATE
    if not (form.objector.data or "").strip() or not (form.contact.data or "").strip():
        return ANONYMOUS
    if form.objector_kind.data == "unit" and form.uploaded_stamp() is None:
        return NO_STAMP
    if repeats(notice.id, form):
        return REPEATED
    return ""


@bp.route("/notices/<notice_id>/objections", methods=["POST"])
# Only objections the case took count toward the limit a person meets (a form sent back for a mistake does
# not use one up); every one sent counts toward a wider bound (refused ones are recorded too).
@limiter.limit(objection_limit, methods=["POST"], deduct_when=only_taken, scope="taken",
               error_message=objection_refused_message)
@limiter.limit(objection_attempt_limit, methods=["POST"], scope="sent", error_message=objection_refused_message)
def object_to(notice_id):
    if _read_only():
        abort(403)
    notice = _published(notice_id)
    form = PublicObjectionForm()
    if not form.validate_on_submit():
        return _notice_page(notice, form, 400)
    refuse = _refusal(notice, form)
    instance = db.session.get(ProcessInstance, notice.instance_id) if notice.instance_id and not refuse else None
    stamp = form.uploaded_stamp() if form.objector_kind.data == "unit" else None
    try:
        accepted = lodge(None, form, instance=instance, notice_id=notice.id, refuse=refuse, stamp=stamp,
                         evidence=form.uploaded_evidence(),
                         application_id=notice.subject_id if notice.subject_type == "application" else None)
        db.session.commit()
        taken(accepted)
    except Exception as exc:  # the notice's diagram failed on the objection: neither is kept
        report_engine_fault(exc, trigger="message", instance_id=notice.instance_id, step="objection")
        return redirect(url_for(".notice", notice_id=notice.id))
    if accepted:
        flash(_("Your objection was received. The Torch Center will investigate it and the Department will "
                "decide on it; you will be contacted at the details you gave."), "success")
    elif refuse in (ANONYMOUS, NO_STAMP):  # recorded as refused; the form comes back as it was sent, with
        flash(refusal_text(refuse), "error")  # what is missing marked, so it can be sent again complete
        _mark_missing(form, refuse)
        return _notice_page(notice, form)
    else:  # refused here, or by the case (no reason given: it is not waiting for an objection)
        flash(refusal_text(refuse), "error")
    return redirect(url_for(".notice", notice_id=notice.id))


def _mark_missing(form: PublicObjectionForm, refused: str) -> None:
    if refused == NO_STAMP:
        form.stamp.errors = [*form.stamp.errors, _("Please add the scan of the letter bearing the unit's stamp.")]
        return
    for field in (form.objector, form.contact):
        if not (field.data or "").strip():
            field.errors = [*field.errors, _("Please fill in this field.")]


@bp.route("/spaces")
@limiter.limit(read_limit)
def spaces():
    rows = db.session.scalars(
        select(MakerSpace).options(joinedload(MakerSpace.organisation), joinedload(MakerSpace.unit))
        .order_by(MakerSpace.recognised_at.desc(), MakerSpace.name).limit(2000)
    ).all()
    return render_template("portal/spaces.html", spaces=rows)
