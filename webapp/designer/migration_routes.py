"""Moving running cases to the newest version (issue 7, item 3). Views attach to the designer blueprint, so its
designers-only guard applies to every page and POST here.

GET /designer/migrate lists the processes with running cases on older versions; GET
/designer/migrate/<process_id> lists those cases, whether each can move and, if not, why; POST there with
`instances` (the ticked case ids), `reason` and `csrf_token` moves them and says which moved and which were
refused. One commit per POST.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp.clock import CHINA
from webapp.extensions import db

from . import migration
from .forms import MigrateForm
from .routes import bp


def _target(process_id: str):
    target = migration.target_bundle(process_id)
    if target is None:
        abort(404)
    return target


def _page(process_id: str | None, form: MigrateForm, status: int = 200):
    processes = migration.processes_with_older_cases()
    if process_id is None:
        return render_template("designer/migrate.html", processes=processes, process_id=None, form=form), status
    target = _target(process_id)
    names = {pid: name for pid, name, _count in processes}
    return render_template("designer/migrate.html", processes=processes, process_id=process_id,
                           process_name=names.get(process_id, process_id), target=target,
                           candidates=migration.candidates(process_id, target), form=form), status


@bp.route("/migrate")
def migrate_index():
    return _page(None, MigrateForm())


@bp.route("/migrate/<process_id>", methods=["GET", "POST"])
def migrate(process_id: str):
    _target(process_id)
    form = MigrateForm()
    if not form.is_submitted():
        return _page(process_id, form)
    if not form.validate():
        return _page(process_id, form, status=422)
    result = migration.move_many(process_id, form.instances.data, form.reason.data.strip(), current_user)
    db.session.commit()
    # Flashes live in the session cookie (about 4 kB): name a few cases, count the rest.
    if result.moved:
        flash(ngettext("%(n)s case moved to version %(version)s: %(cases)s.",
                       "%(n)s cases moved to version %(version)s: %(cases)s.", len(result.moved), n=len(result.moved),
                       version=result.target.version, cases=_some(_case(i) for i in result.moved)), "success")
    for instance, reasons in result.refused[:SHOWN]:
        flash(_("Not moved: %(case)s. %(why)s", case=_case(instance) if instance is not None else _("a case"),
                why=" ".join(reasons)), "error")
    if len(result.refused) > SHOWN:
        flash(ngettext("%(n)s more case was not moved; the list below says why.",
                       "%(n)s more cases were not moved; the list below says why for each.",
                       len(result.refused) - SHOWN, n=len(result.refused) - SHOWN), "error")
    return redirect(url_for("designer.migrate", process_id=process_id))


SHOWN = 5


def _some(names) -> str:
    names = list(names)
    more = len(names) - SHOWN
    shown = "、".join(names[:SHOWN])
    return shown if more <= 0 else _("%(names)s and %(n)s more", names=shown, n=more)


def _case(instance) -> str:
    """A case as people know it: its subject and the day it started (no database ids)."""

    started = instance.created_at.astimezone(CHINA).strftime("%Y-%m-%d")
    return _("“%(subject)s” (started %(date)s)", subject=instance.subject_title or instance.process_name, date=started)
