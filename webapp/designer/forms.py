"""Forms of the designer area: deploy uploaded files, roll back to a version."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import Field, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.engine.definitions import MAX_FILE_BYTES

from .service import read_upload

NOTE_MAX = 400  # the version's note holds 500 characters; a rollback adds its prefix

MAX_FILES = 30


def _note(label):
    return TextAreaField(label, validators=[
        DataRequired(_l("Please fill in this field.")),
        Length(max=NOTE_MAX, message=_l("Please keep this under %(max)d characters.")),
    ])


class DeployForm(FlaskForm):
    files = MultipleFileField(_l("BPMN or DMN files (made in the modeler, Camunda Modeler or bpmn.io)"))
    note = _note(_l("Why is the procedure changed? (recorded with the version)"))

    uploads: dict[str, str]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.uploads = {}
        chosen = [f for f in (self.files.data or []) if getattr(f, "filename", "")]
        if not chosen:
            self.files.errors.append(_("Choose at least one .bpmn or .dmn file."))
            return False
        if len(chosen) > MAX_FILES:
            self.files.errors.append(_("Upload at most %(n)s files at a time.", n=MAX_FILES))
            return False
        for upload in chosen:
            name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
            raw = upload.stream.read(MAX_FILE_BYTES + 1)
            if name in self.uploads:
                self.files.errors.append(_("“%(name)s” was chosen twice.", name=name))
                continue
            text, problem = read_upload(name, raw)
            if problem:
                self.files.errors.append(problem)
            else:
                self.uploads[name] = text
        return valid and not self.files.errors


class RollbackForm(FlaskForm):
    note = _note(_l("Why roll back? (recorded with the new version)"))


class CaseIdsField(Field):
    """The ids of the ticked cases. Anything that is not a number is ignored: the service checks each id
    against the cases that may move, and says which it refused and why."""

    def process_formdata(self, valuelist):
        self.data = [int(v) for v in valuelist if str(v).isascii() and str(v).isdigit()]  # not '²'

    def _value(self):
        return ""


class MigrateForm(FlaskForm):
    instances = CaseIdsField(_l("Cases to move"), default=list)
    reason = _note(_l("Why are these cases moved? (recorded in each case's audit trail)"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.instances.data:
            self.instances.errors = [*self.instances.errors, _("Tick at least one case to move.")]
            return False
        return valid
