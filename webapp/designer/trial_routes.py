"""The trial run's page (issue 7, item 4): upload a draft (like a deploy), choose the process to start, see
what would happen. Views attach to the designer blueprint, so its designers-only guard applies.

POST /designer/trial, multipart: `files` (one or more .bpmn/.dmn files, as the deploy form), `process_id` (the
process id to start; default recognition), `horizon_months` (optional, 1–120), `answers` (optional JSON:
task id -> answer fields), `csrf_token`. The draft is the newest version with the uploaded files replacing
those of the same name; it must pass the deploy checks.
"""

from __future__ import annotations

import json

from flask import flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from webapp.engine.checks import check_files, errors
from webapp.engine.definitions import DefinitionError, latest_bundle, parse_bundle, parsed_bundle
from webapp.request_limits import form_memory

from . import service, trial, trial_process
from .forms import DeployForm
from .routes import bp

MAX_ANSWERS_CHARS = 200_000
# The sample answers' text as the server may hold it while reading the form: 200,000 characters of any script
# (up to 4 bytes each in UTF-8) fit, so the form itself says when they are too long. Elsewhere, Werkzeug's 500 KB.
TRIAL_FORM_MEMORY = 1024 * 1024


class TrialForm(DeployForm):
    note = None  # a trial records nothing, so it needs no reason
    # not `process`: that name is WTForms' own Form.process()
    process_id = StringField(_l("Process to start"), default="recognition")
    horizon_months = IntegerField(_l("How far to move the clock (months; empty: 12, the lifecycle 48)"),
                                  validators=[Optional(), NumberRange(min=1, max=120,
                                                                      message=_l("Enter a number from %(min)s to %(max)s."))])
    answers = TextAreaField(_l("Sample answers (JSON by task id; tasks not listed get the defaults)"),
                            validators=[Optional()])

    parsed_answers: dict[str, dict]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.parsed_answers = {}
        text = (self.answers.data or "").strip()
        if len(text) > MAX_ANSWERS_CHARS:
            self.answers.errors.append(_("The sample answers are too long."))
            return False
        if text:
            try:
                value = json.loads(text)
            except RecursionError:  # nested deeper than any answer needs
                self.answers.errors.append(_("The sample answers are nested too deeply."))
                return False
            except ValueError as exc:
                self.answers.errors.append(_("The sample answers are not valid JSON (line %(line)s).",
                                             line=getattr(exc, "lineno", "?")))
                return False
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                self.answers.errors.append(_("The sample answers must be an object of objects: "
                                             "{\"task id\": {\"field\": value}}."))
                return False
            self.parsed_answers = value
        return valid


def _processes():
    bundle = latest_bundle()
    return trial.startable_processes(parsed_bundle(bundle)) if bundle is not None else []


def _page(form: TrialForm, problems=(), report=None, status: int = 200):
    if not form.answers.data:
        form.answers.data = json.dumps(trial.default_answers(latest_bundle()), ensure_ascii=False, indent=1)
    return render_template("designer/trial.html", form=form, problems=problems, report=report,
                           processes=_processes(), kind_label=service.kind_label, as_json=_as_json), status


def _as_json(value, indent: int | None = None) -> str:
    """JSON as the designer types it: Chinese as such (Jinja's tojson escapes it), escaped by autoescaping."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


@bp.route("/trial", methods=["GET", "POST"])
@form_memory(TRIAL_FORM_MEMORY)
def trial_run():
    form = TrialForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.errors else 200)
    current = latest_bundle()
    files = {**(dict(current.files) if current else {}), **form.uploads}
    problems = check_files(files)
    if errors(problems):  # refused as a deploy would be, with the checks' own messages
        return _page(form, service.problems_of(DefinitionError(problems)), status=422)
    process_id = (form.process_id.data or "recognition").strip()
    try:
        startable = dict(trial.startable_processes(parse_bundle(files)))
    except DefinitionError as exc:
        return _page(form, service.problems_of(exc), status=422)
    if process_id not in startable:
        form.process_id.errors.append(_("The draft has no process “%(id)s” that can be started.", id=process_id))
        return _page(form, status=422)
    try:
        report = trial_process.run_limited(files, process_id, form.parsed_answers, form.horizon_months.data)
    except trial_process.TrialBusy:
        flash(_("Another trial run is in progress on the server. Please try again in a minute."), "error")
        return _page(form, status=503)
    except trial_process.TrialStopped:
        flash(_("The trial run was stopped: it went past %(seconds)s seconds or its memory limit. The draft "
                "probably loops without end in a script or between steps.", seconds=trial_process.cpu_seconds()),
              "error")
        return _page(form, status=422)
    return _page(form, report=report)
