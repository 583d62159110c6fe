"""The designer area (designer role only): processes and decision tables with their versions, a version's
files, deploying uploaded files, rolling back, and the difference between two versions."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.extensions import db
from webapp.views import is_ident, require

from . import service
from .forms import DeployForm, RollbackForm

bp = Blueprint("designer", __name__, url_prefix="/designer")


@bp.before_request
@login_required
def designers_only():
    require(current_user.role == "designer")


@bp.context_processor
def editor_context() -> dict:
    from .editor import editor_catalog, editor_text, trial_choices

    return {"editor_text": editor_text, "editor_catalog": editor_catalog, "trial_choices": trial_choices}


def _bundle(version: int):
    bundle = service.bundle_by_version(version)
    if bundle is None:
        abort(404)
    return bundle


def _file(bundle, name: str) -> str:
    if name not in bundle.files:
        abort(404)
    return bundle.files[name]


@bp.route("/")
def index():
    bundles = service.bundles()
    return render_template("designer/index.html", entries=service.overview(), bundles=bundles,
                           names=service.user_names(b.deployed_by_id for b in bundles))


@bp.route("/versions/<int:version>")
def version(version: int):
    bundle = _bundle(version)
    return _version_page(bundle, RollbackForm())


def _version_page(bundle, form, problems=(), status=200):
    files = sorted(bundle.files, key=lambda n: (service.kind_of(n) != "bpmn", n))
    changed = service.changed_files(bundle)
    first = sorted(changed, key=files.index)[0] if changed else (files[0] if files else None)
    shown = request.args.get("file") if request.args.get("file") in bundle.files else first
    latest = service.bundles()[0]
    return render_template(
        "designer/version.html", bundle=bundle, files=files, shown=shown, form=form, problems=problems,
        contents={n: service.file_contents(bundle.files[n]) for n in files}, latest=latest, changed=changed,
        deployed_by=service.user_names([bundle.deployed_by_id]).get(bundle.deployed_by_id, ""),
    ), status


@bp.route("/versions/<int:version>/files/<name>")
def file_xml(version: int, name: str):
    """The file's XML as stored, for the editor; `?view=1` for a viewer (the version's page, a comparison):
    lanes read by their roles' labels in the reader's language (labels.with_lane_labels)."""
    from webapp.labels import with_lane_labels

    text = _file(_bundle(version), name)
    body = with_lane_labels(text) if request.args.get("view") == "1" else text.encode("utf-8")
    return Response(body, mimetype="application/xml", headers={"Cache-Control": "private, max-age=3600", "Vary": "Cookie"})


@bp.route("/versions/<int:version>/files/<name>/download")
def download(version: int, name: str):
    text = _file(_bundle(version), name)
    response = Response(text.encode("utf-8"), mimetype="application/xml")
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


@bp.route("/edit/<name>")
def edit(name: str):
    """Edit a file of the newest version in bpmn.io's modeler; saving submits it to the deploy form."""
    from webapp.engine.definitions import latest_bundle

    latest = latest_bundle()
    if latest is None:
        abort(404)
    _file(latest, name)  # 404 for a file the version does not have
    return render_template("designer/edit.html", name=name, latest=latest, form=DeployForm())


@bp.route("/deploy", methods=["GET", "POST"])
def deploy():
    form = DeployForm()
    if not form.validate_on_submit():
        return render_template("designer/deploy.html", form=form, problems=[]), (422 if form.errors else 200)
    outcome = service.deploy_uploads(form.uploads, form.note.data.strip(), current_user)
    editing = request.form.get("editing", "")
    if outcome.problems and editing in form.uploads:
        # Back into the editor with the draft as it was, the faulty elements marked on the diagram.
        from webapp.engine.definitions import latest_bundle

        marks = sorted({p.element_id for p in outcome.problems if p.file == editing and p.element_id})
        return render_template("designer/edit.html", name=editing, latest=latest_bundle(), form=form,
                               problems=outcome.problems, draft=form.uploads[editing], marks=marks), 422
    if outcome.problems:
        return render_template("designer/deploy.html", form=form, problems=outcome.problems), 422
    if outcome.unchanged:
        flash(_("Nothing changed: the uploaded files are the same as in the newest version."), "warning")
        return redirect(url_for("designer.index"))
    db.session.commit()
    flash(_("Version %(version)s deployed (%(files)s). New cases start on it; running cases keep their version.",
            version=outcome.bundle.version, files="、".join(outcome.changed)), "success")
    return redirect(url_for("designer.version", version=outcome.bundle.version))


@bp.route("/versions/<int:version>/rollback", methods=["POST"])
def rollback(version: int):
    bundle = _bundle(version)
    form = RollbackForm()
    if not form.validate_on_submit():
        return _version_page(bundle, form, status=422)
    outcome = service.rollback(bundle, form.note.data.strip(), current_user)
    if outcome.problems:
        return _version_page(bundle, form, outcome.problems, status=422)
    if outcome.unchanged:
        flash(_("Nothing changed: the newest version already has the content of version %(version)s.", version=version),
              "warning")
        return redirect(url_for("designer.version", version=version))
    db.session.commit()
    flash(_("Version %(old)s was deployed again as version %(version)s.", old=version, version=outcome.bundle.version),
          "success")
    return redirect(url_for("designer.version", version=outcome.bundle.version))


def _version(text: str) -> int:
    """A version number from the address: none that large exists (and the database could not compare it)."""
    if not is_ident(text):  # "１", "+1", " 1" too: int() takes them
        raise ValueError(text)  # request.args.get then gives the default, as for any text that is no number
    return int(text)


@bp.route("/diff")
def diff():
    bundles = service.bundles()
    if not bundles:
        abort(404)
    newest = bundles[0].version
    old_v = request.args.get("from", type=_version, default=bundles[1].version if len(bundles) > 1 else newest)
    new_v = request.args.get("to", type=_version, default=newest)
    old, new = _bundle(old_v), _bundle(new_v)
    return render_template("designer/diff.html", old=old, new=new, bundles=bundles,
                           diffs=service.diff_bundles(old, new), aspect_label=service.aspect_label,
                           kind_label=service.kind_label)


from . import (  # noqa: E402  (views that attach to `bp`; imported here so they register)
    migration_routes,  # noqa: F401  (moving running cases to a new version)
    trial_routes,  # noqa: F401  (the trial run)
)
