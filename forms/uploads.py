"""The check every uploaded file passes, in any form: allowed extension, not empty, not too large, and
content that really is what the extension says (sniffed from the bytes; see webapp.attachments)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from webapp.attachments import clean_filename, extension_of, matches_extension, sniff


def check_upload(form, field) -> None:
    """WTForms validator for a FileField (use with Optional() or a required check of its own)."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return
    allowed = current_app.config["UPLOAD_EXTENSIONS"]
    extension = extension_of(clean_filename(upload.filename))
    if extension not in allowed:
        raise ValidationError(_l("Only these file types are accepted: %(types)s.", types=", ".join(allowed)))
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size == 0:
        raise ValidationError(_l("The file is empty."))
    if size > current_app.config["UPLOAD_MAX_BYTES"]:
        raise ValidationError(_l("The file is larger than %(mb)s MB.",
                                 mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)))
    if not matches_extension(sniff(upload.stream), extension):
        raise ValidationError(_l("The file's content is not a %(ext)s file. Please upload the real document.",
                                 ext=extension.upper()))


def chosen_files(field) -> list[str]:
    """The names of the files chosen in this file field of a form that was sent, as the sender's computer
    named them; none when the form is shown afresh. A browser empties a file input whenever it shows the
    page again, so a form that comes back with errors names them and asks for them again (macros.html)."""
    if getattr(field, "type", "") not in ("FileField", "MultipleFileField"):
        return []
    data = field.data if isinstance(field.data, list | tuple) else [field.data]
    return [clean_filename(upload.filename) for upload in data if getattr(upload, "filename", "")]
