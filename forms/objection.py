"""The objection form (Art. 8, Art. 19.2): a real name and contact, reasons and evidence; anonymous ones
are not accepted (evaluation-defaults.md)."""

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from forms.fields import CASE_FILE
from forms.text import MultiLineTextMeta, single_line
from forms.uploads import check_upload
from webapp.attachments import clean_filename, extension_of


class ObjectionForm(FlaskForm):
    Meta = MultiLineTextMeta  # the reasons drop invisible format characters (forms/text.py)
    objector_kind = RadioField(_l("The objector is"), choices=[("individual", _l("an individual (real name)")), ("unit", _l("a unit (with its stamp)"))], validators=[InputRequired(_l("Please choose one."))])
    objector = StringField(_l("Name of the person or unit"), filters=[single_line], validators=[DataRequired(_l("Please fill in this field.")), Length(max=120)])
    contact = StringField(_l("Contact details"), filters=[single_line], validators=[DataRequired(_l("Please fill in this field.")), Length(max=200)])
    reasons = TextAreaField(_l("Reasons and evidence"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])


STAMP_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
MAX_EVIDENCE_FILES = 10


def _stamp_type(form, field) -> None:
    """The stamped letter is a scan: a PDF or a photo, nothing else (its content is checked by check_upload)."""
    upload = field.data
    if upload and getattr(upload, "filename", "") and \
            extension_of(clean_filename(upload.filename)) not in STAMP_EXTENSIONS:
        raise ValidationError(_l("The stamped letter must be a PDF or an image (JPG, PNG)."))


def _each_upload(form, field) -> None:
    """check_upload for every file of a multiple-file field, at most MAX_EVIDENCE_FILES of them."""
    uploads = [u for u in field.data or [] if u and getattr(u, "filename", "")]
    if len(uploads) > MAX_EVIDENCE_FILES:
        raise ValidationError(_l("At most %(n)s evidence files are accepted.", n=MAX_EVIDENCE_FILES))
    for upload in uploads:
        check_upload(form, SimpleNamespace(data=upload))


class PublicObjectionForm(ObjectionForm):
    """The public portal's objection: name and contact are not required by the form, because an objection
    without them is not a typing slip but an anonymous objection, which is refused and the refusal recorded
    (webapp/notices/objections.py). A unit adds the scan of its letter bearing the unit's stamp."""

    objector = StringField(_l("Real name (an individual) or the unit's full name"), filters=[single_line],
                           validators=[Optional(), Length(max=120)])
    contact = StringField(_l("Contact details (telephone or address)"), filters=[single_line],
                          validators=[Optional(), Length(max=200)])
    reasons = TextAreaField(_l("Reasons for the objection"), validators=[DataRequired(_l("Please fill in this field.")), Length(max=4000)])
    stamp = FileField(_l("Scan of the unit's letter bearing its official stamp (PDF or image)"),
                      validators=[Optional(), _stamp_type, check_upload])
    evidence = MultipleFileField(_l("Evidence (optional)"), validators=[Optional(), _each_upload],
                                 render_kw=CASE_FILE)

    def uploaded_stamp(self):
        upload = self.stamp.data
        return upload if upload and getattr(upload, "filename", "") else None

    def uploaded_evidence(self) -> list:
        return [u for u in self.evidence.data or [] if u and getattr(u, "filename", "")]
