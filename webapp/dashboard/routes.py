"""The dashboard (`/dashboard`, issue 8 item 3): cases per step and per unit, time per step, overdue work by
role, score and grade distributions. Read-only; every number from webapp/dashboard/service.py."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import Unit
from webapp.views import role_required

from . import service
from .links import case_links
from .service import GRADE_ORDER, SCORE_BANDS, UNDER_NOTICE, Scope

bp = Blueprint("dashboard", __name__)

DASHBOARD_ROLES = ("supervisor", "torch_center", "approver", "recommender")
STATUSES = ("running", "completed", "cancelled")


@bp.route("/dashboard")
@role_required(*DASHBOARD_ROLES)
def index():
    scope = Scope.of(current_user)
    now = clock.now()
    steps = service.cases_per_step(scope)
    units = service.cases_per_unit(scope)
    times = service.time_per_step(scope)
    overdue = service.overdue_by_role(scope, now)
    rounds = service.scores_per_round(scope)
    grades = service.grades_per_year(scope, now)
    year_scores = service.scores_per_year(scope)
    bands = [label for _low, _high, label in SCORE_BANDS]
    # What the charts draw, already in the reader's language: the script (static/dashboard/charts.js) only draws.
    charts = {
        "steps": {"kind": "hbar", "categories": [f"{p} · {s}" for p, s, _n in steps],
                  "series": [{"name": _("Running cases"), "data": [n for _p, _s, n in steps]}]},
        "units": {"kind": "stacked", "categories": [name for name, _c in units],
                  "series": [{"name": _(status), "data": [counts.get(status, 0) for _n, counts in units]}
                             for status in STATUSES]},
        "times": {"kind": "hbar", "categories": [f"{t.process} · {t.step}" for t in times],
                  "series": [{"name": _("Median (days)"), "data": [t.median_days for t in times]},
                             {"name": _("Slowest (days)"), "data": [t.slowest_days for t in times]}]},
        "overdue": {"kind": "bar", "categories": [_(o.lane) for o in overdue],
                    "series": [{"name": _("Open"), "data": [o.open for o in overdue]},
                               {"name": _("Overdue"), "data": [o.overdue for o in overdue]}]},
        "rounds": {"kind": "stacked", "categories": [d.group for d in rounds],
                   "series": [{"name": band, "data": [d.counts.get(band, 0) for d in rounds]} for band in bands]},
        "grades": {"kind": "stacked", "categories": [d.group for d in grades],
                   "series": [{"name": _(grade), "data": [d.counts.get(grade, 0) for d in grades]} for grade in GRADE_ORDER]
                   + [{"name": _("Under public notice"), "data": [d.counts.get(UNDER_NOTICE, 0) for d in grades]}]},
        "year_scores": {"kind": "stacked", "categories": [d.group for d in year_scores],
                        "series": [{"name": band, "data": [d.counts.get(band, 0) for d in year_scores]} for band in bands]},
    }
    unit = db.session.get(Unit, scope.unit_id) if scope.unit_id else None
    slowest_links = case_links(current_user, (t.slowest_instance_id for t in times))
    return render_template("dashboard/index.html", steps=steps, units=units, times=times, overdue=overdue,
                           rounds=rounds, grades=grades, year_scores=year_scores, bands=bands,
                           grade_order=GRADE_ORDER, under_notice=UNDER_NOTICE, statuses=STATUSES, charts=charts, unit=unit, now=now,
                           slowest_links=slowest_links)
