"""年度绩效考核安排: the year's evaluations for Torch Center, the Department and supervisors (Art. 18); and the
space's reports and change filings listed beside an expert's scoring step (each report opens on the registry's
report page, registry.report, which lets that expert read it while the step is open)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.access import EVALUATION_SCHEDULE_READERS
from webapp.models import HumanTask
from webapp.views import role_required

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


