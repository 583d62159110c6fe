"""Export routes. Each export is scoped by the very query (or access rule) of the page it mirrors, so a
recommender's export never holds another unit's case."""

from __future__ import annotations

import io
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.access import INSTANCE_LIST_ROLES, may_view_application, may_view_space, spaces_query
from webapp.clock import CHINA, clock
from webapp.extensions import db
from webapp.labels import as_score
from webapp.models import Application, AuditEvent, Evaluation, MakerSpace
from webapp.supervision import instances
from webapp.views import get_or_404, require, role_required

from . import results
from .pdf import evaluation_result_pdf, recommendation_letter_pdf
from .xlsx import workbook

bp = Blueprint("exports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Who reads the registry and the evaluation results (each scoped by spaces_query / may_view_space).
REGISTRY_READERS = ("applicant", "recommender", "torch_center", "approver", "supervisor")
# The recommendation letter is written to the Department: the unit that wrote it and the staff read it.
LETTER_READERS = ("recommender", "torch_center", "approver", "supervisor")
DEFAULT_MAX_ROWS = 10_000  # a spreadsheet people read, not a database dump; MAKERSPACE config can lower it


def _max_rows() -> int:
    return int(current_app.config.get("EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def _today() -> str:
    return clock.now().astimezone(CHINA).strftime("%Y-%m-%d")


def _xlsx(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{name}-{_today()}.xlsx")


def _pdf(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


def _too_many(back: str):
    flash(_("The export holds at most %(n)s rows; this one has more. Please narrow it down with the filter "
            "and export again.", n=_max_rows()), "error")
    return redirect(back)


def _zh(text: str | None) -> str:
    """A status or grade id in Chinese, whatever the viewer's language (the file's headers are Chinese too)."""
    if not text:
        return ""
    with force_locale("zh"):
        return _(text)


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(CHINA).replace(tzinfo=None) if moment else None


@bp.route("/instances/export.xlsx")
@role_required(*INSTANCE_LIST_ROLES)
def instances_xlsx():
    """Exactly the rows of the filtered list: every page, the same scope, the same order."""
    form = instances.filter_form(current_user, request.args)
    if not form.validate():
        flash(_("The filter is not valid; please correct it before exporting."), "error")
        return redirect(url_for("supervision.index", **request.args))
    filters = instances.Filters.from_form(form)
    back = url_for("supervision.index", **filters.args)
    rows = instances.export_rows(current_user, filters, _max_rows())
    if rows is None:
        return _too_many(back)
    units = instances.unit_names(form)
    overdue = instances.overdue_ids(rows)
    withdrawn = instances.withdrawn_statuses(rows)
    headers = ["编号", "办理对象", "流程", "版本", "状态", "当前环节", "推荐单位", "创建时间", "最近变更",
               "下一定时", "有超期事项"]
    data = workbook("案件列表", headers, (
        [i.id, i.subject_title, i.process_name, f"v{i.version}", _zh(withdrawn.get(i.id, i.status)), i.current_step,
         units.get(i.unit_id, ""), _local(i.created_at), _local(i.updated_at), _local(i.next_timer_at),
         "是" if i.id in overdue else ""] for i in rows),
        widths=[8, 30, 18, 7, 9, 30, 20, 17, 17, 17, 10])
    return _xlsx(data, "案件列表")


@bp.route("/spaces/export.xlsx")
@role_required(*REGISTRY_READERS)
def registry_xlsx():
    """The registry as the viewer reads it at /spaces."""
    spaces = db.session.scalars(spaces_query(current_user).limit(_max_rows() + 1)).all()
    if len(spaces) > _max_rows():
        return _too_many(url_for("registry.index"))
    headers = ["证书编号", "众创空间名称", "运营机构", "推荐单位", "认定日期", "状态", "下次考核"]
    data = workbook("众创空间名录", headers, (
        [s.certificate_no, s.name, s.organisation.name, s.unit.name, _local(s.recognised_at).date(), _zh(s.status),
         _local(s.next_evaluation_at).date() if s.next_evaluation_at else None] for s in spaces),
        widths=[16, 30, 30, 20, 12, 12, 12])
    return _xlsx(data, "众创空间名录")


def _visible_evaluations():
    """Evaluations of the spaces the viewer may see, newest first (the registry's scope, as a subquery)."""
    visible = spaces_query(current_user).with_only_columns(MakerSpace.id).order_by(None)
    return (select(Evaluation, MakerSpace).join(MakerSpace, MakerSpace.id == Evaluation.space_id)
            .where(MakerSpace.id.in_(visible)).order_by(Evaluation.at.desc(), Evaluation.id.desc()))


@bp.route("/evaluations/export.xlsx")
@role_required(*REGISTRY_READERS)
def evaluations_xlsx():
    rows = db.session.execute(_visible_evaluations().limit(_max_rows() + 1)).all()
    if len(rows) > _max_rows():
        return _too_many(url_for("registry.index"))
    headers = ["众创空间名称", "证书编号", "推荐单位", "考核日期", "考核得分", "考核等级", "说明", "专家意见"]
    data = workbook("绩效考核结果", headers, (
        [s.name, s.certificate_no, s.unit.name, _local(e.at).date(),
         float(e.score) if e.score is not None else None, _zh(e.grade), "；".join(results.notes(e)),
         "\n".join(str(c) for c in e.comments or [])] for e, s in rows),
        widths=[30, 16, 20, 12, 8, 8, 24, 60])
    return _xlsx(data, "绩效考核结果")


@bp.route("/evaluations/<evaluation_id>/result.pdf")
@role_required(*REGISTRY_READERS)
def evaluation_pdf(evaluation_id):
    evaluation = get_or_404(Evaluation, evaluation_id)
    space = db.session.get(MakerSpace, evaluation.space_id)
    require(space is not None and may_view_space(current_user, space))
    data = evaluation_result_pdf(
        space_name=space.name, operator=space.organisation.name, certificate_no=space.certificate_no,
        unit=space.unit.name, evaluated_on=evaluation.at.astimezone(CHINA).date(),
        score=as_score(evaluation.score) if evaluation.score is not None else "未评分", grade=_zh(evaluation.grade),
        notes=results.notes(evaluation), comments=[str(c) for c in evaluation.comments or []],
        consequence=results.consequence(evaluation, space))
    return _pdf(data, f"绩效考核结果-{space.name}-{evaluation.at.astimezone(CHINA):%Y%m%d}.pdf")


def recommendation(application: Application) -> AuditEvent | None:
    """The recommender's last recommendation in the case: the completed task whose data holds the letter.

    Read from the audit trail (what the recommender submitted, kept verbatim), not from the workflow state."""
    if application.instance_id is None:
        return None
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == application.instance_id, AuditEvent.action == "completed")
        .order_by(AuditEvent.id.desc())).all()
    for event in events:
        data = (event.detail or {}).get("data") or {}
        if str(data.get("recommendation_letter") or "").strip() and data.get("recommender_decision", "recommend") == "recommend":
            return event
    return None


@bp.route("/applications/<application_id>/recommendation-letter.pdf")
@role_required(*LETTER_READERS)
def recommendation_pdf(application_id):
    application = get_or_404(Application, application_id)
    require(may_view_application(current_user, application))
    event = recommendation(application)
    if event is None:
        abort(404)
    data = recommendation_letter_pdf(
        space_name=application.space_name, applicant=application.organisation.name, unit=application.unit.name,
        letter=str(event.detail["data"]["recommendation_letter"]), signed_on=event.at.astimezone(CHINA).date(),
        round_title=application.round.title if application.round else "")
    return _pdf(data, f"推荐函-{application.space_name}.pdf")
