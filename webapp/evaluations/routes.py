"""年度绩效考核安排: the year's evaluations for Torch Center, the Department and supervisors (Art. 18); and the
space's half-year reports as the expert scoring its evaluation reads them."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from webapp.access import EVALUATION_SCHEDULE_READERS, assigned_task_on_space, may_read_space_reports
from webapp.models import HumanTask, MakerSpace, Report
from webapp.views import get_or_404, require, role_required

from . import records, service

bp = Blueprint("evaluations", __name__)

LEVEL_LABELS = {"national_professional": _l("National professional maker space"),
                "national": _l("National maker space"), "regional": _l("Regional maker space")}


@bp.route("/evaluations/schedule")
@role_required(*EVALUATION_SCHEDULE_READERS)
def schedule():
    year = request.args.get("year", type=int)
    if year is None or not service.FIRST_YEAR <= year <= service.LAST_YEAR:
        year = service.current_year()
    return render_template("evaluations/schedule.html", year=year, rows=service.evaluations_due(year),
                           levels=LEVEL_LABELS, first_year=service.FIRST_YEAR, last_year=service.LAST_YEAR)


@bp.app_template_global("scoring_records")
def scoring_records(task: HumanTask) -> records.SpaceRecords | None:
    """The space's reports and change filings beside an expert's scoring step (tasks/_case.html)."""
    return records.for_scoring(current_user, task)


@bp.route("/evaluations/spaces/<space_id>/reports/<report_id>")
@login_required
def space_report(space_id, report_id):
    """A half-year report, for the expert scoring the space's evaluation while that step is its to do (and for
    whoever may open the space's dossier); the way back is the scoring step, since the expert may not open the
    dossier."""
    from forms.lifecycle import REPORT_AMOUNTS, REPORT_COUNTS

    space = get_or_404(MakerSpace, space_id)
    require(may_read_space_reports(current_user, space))
    entry = get_or_404(Report, report_id)
    if entry.space_id != space.id:
        abort(404)
    figures = [(label, (entry.data or {}).get(name)) for name, label in [*REPORT_COUNTS, *REPORT_AMOUNTS]]
    return render_template("evaluations/report.html", space=space, report=entry, figures=figures,
                           summary=(entry.data or {}).get("summary", ""),
                           scoring=assigned_task_on_space(current_user, space.id))
