"""Supervisors (and staff) follow every instance and its audit trail, read-only."""

from urllib.parse import parse_qsl

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from forms.instance_list import DeleteFilterForm, SaveFilterForm
from webapp.access import FAULT_READERS, INSTANCE_LIST_ROLES, may_follow_case
from webapp.engine import faults
from webapp.extensions import db
from webapp.models import SavedFilter
from webapp.paging import cursors_from
from webapp.views import get_or_404, require, role_required

from . import instances, saved_filters
from .rows import present

bp = Blueprint("supervision", __name__)
# Saved filters are a person's own bookmarks of the list: no case data, nothing anyone else sees. They are the
# one thing a supervisor may keep (tests/web/test_routes.py names them among the POST routes it exempts).
FILTER_SAVERS = INSTANCE_LIST_ROLES
MAX_FILTER_LENGTH = 1000  # as SaveFilterForm's query field allows


@bp.route("/instances")
@role_required(*INSTANCE_LIST_ROLES)
def index():
    """The instance list: filters are GET parameters (a filter is a link), pages are keyset cursors."""
    form = instances.filter_form(current_user, request.args)
    saved = db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == current_user.id)
                               .order_by(SavedFilter.name, SavedFilter.id)).all()
    if not form.validate():
        return render_template("supervision/index.html", form=form, filters=None, page=None, saved=saved,
                               save_form=SaveFilterForm()), 400
    filters = instances.Filters.from_form(form)
    after, before, bad_link = cursors_from(request.args, dated=True)
    page = instances.page(current_user, filters, after=after, before=before)
    user = current_user._get_current_object()  # once, not through the proxy for every row
    rows = present(page.rows, lambda instance: may_follow_case(user, instance),
                   instances.unit_names(form), instances.overdue_ids(page.rows), instances.withdrawn_statuses(page.rows))
    return render_template("supervision/index.html", form=form, filters=filters, page=page, saved=saved, rows=rows,
                           bad_link=bad_link,
                           save_form=SaveFilterForm(query=filters.query_string),
                           share_url=url_for("supervision.index", _external=True) + _query(filters.query_string))


def _query(query_string: str) -> str:
    return f"?{query_string}" if query_string else ""


def _clean(posted: str) -> str:
    """The posted filter in the list's own spelling, or "" when the list would not accept it."""
    parsed = instances.filter_form(current_user, MultiDict(parse_qsl(posted)))
    return instances.Filters.from_form(parsed).query_string if parsed.validate() else ""


@bp.route("/instances/filters", methods=["POST"])
@role_required(*FILTER_SAVERS)
def save_filter():
    """Keep the current filter under a name, for this user only."""
    form = SaveFilterForm()
    valid = form.validate_on_submit()
    if len(form.query.data or "") > MAX_FILTER_LENGTH:
        # Not echoed back: a link that long is refused by browsers and servers alike.
        flash(_("This filter is too long to keep (at most %(n)s characters). Remove some of its conditions "
                "and try again.", n=MAX_FILTER_LENGTH), "error")
        return redirect(url_for("supervision.index"))
    # Keep only what makes up a filter, in the list's own spelling, so a saved filter is a clean link; the
    # posted text itself never goes back into a header (a line break in it would break the response).
    query = _clean(form.query.data or "")
    if not valid:  # no name, or one too long: the form says which
        flash(form.name.errors[0] if form.name.errors else _("Please give the filter a name."), "error")
        return redirect(url_for("supervision.index") + _query(query))
    name = form.name.data  # on one line, trimmed (the form's filter)
    # One filter per name and person: saving under a name the person already uses replaces that filter, as
    # saving a file under its name would (the list could show two links of the same name, one of them stale).
    if saved_filters.save(current_user.id, name, query):
        message = _("The filter was saved.")
    else:
        message = _("The saved filter “%(name)s” was updated to this filter.", name=name)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("supervision.index") + _query(query))


@bp.route("/instances/filters/<filter_id>/delete", methods=["GET", "POST"])
@role_required(*FILTER_SAVERS)
def delete_filter(filter_id):
    """Asks first: the page names the filter and the removal needs its box ticked (a bare POST, e.g. an older
    page's ×, only shows the question)."""
    saved = get_or_404(SavedFilter, filter_id)
    require(saved.user_id == current_user.id)
    form = DeleteFilterForm()
    if not form.validate_on_submit():
        return render_template("supervision/filter_delete.html", saved=saved, form=form), \
            400 if request.method == "POST" else 200
    saved_filters.remove(saved)
    db.session.commit()
    flash(_("The saved filter was removed."), "success")
    return redirect(url_for("supervision.index"))


@bp.route("/faults")
@role_required(*FAULT_READERS)
def fault_list():
    """Where the diagrams failed on real cases, the current ones first; faults met while starting a case
    (which was then not kept) are only here."""
    return render_template("supervision/faults.html", faults=faults.recent_faults())
