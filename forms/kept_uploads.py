"""Files chosen on a task form that came back with errors, kept for the next post of the same form.

A browser empties every file input when it shows a page again, so a form sent back (an area short of the
recognition conditions, a box to tick) lost the document the person had chosen. A form using this keeps each
file that passed its own checks in a private folder (`.kept` in the upload folder, owner-only; the backup
leaves it out) and puts a signed token in a hidden field (FIELD): the next post
of the form with no file chosen in that field hands the kept one in; a file chosen again replaces it.

The token names the person and the step (the task row of the address posted to); it is signed with the app's
secret and lasts MAX_AGE. Anyone else, another step, an altered or stale token: nothing is restored, and the
form asks for the file as usual. A kept file lives until the next post of its form, which either keeps it
again (the form comes back once more) or is done with it (handed in, or the page moved on): then it is removed.
Files of forms never posted again are removed once older than MAX_AGE, whenever another is kept.
"""

from __future__ import annotations

import io
import os
import secrets
import time
from pathlib import Path

from flask import after_this_request, current_app, g, has_request_context, request
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage

from webapp.attachments import clean_filename

FIELD = "kept_uploads"
KEPT_FOLDER = ".kept"  # in the upload folder (webapp/maintenance/backup.py leaves it out)
MAX_AGE = 24 * 3600  # seconds: a form is sent again within minutes; a day leaves room for a long pause
_SALT = "kept-upload"
_NAME_BYTES = 16
_USED = "kept_uploads_spent"  # g: {kept copy: to remove?} of this request


def _folder() -> Path:
    from webapp.private_files import private_directory

    return private_directory(Path(current_app.config["UPLOAD_DIR"]) / KEPT_FOLDER)


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _owner(user) -> list:
    """Whose and which step's: the person and the task row of the address the form posts to."""
    return [getattr(user, "id", None), str((request.view_args or {}).get("task_id", ""))]


def _is_stored_name(name) -> bool:
    return isinstance(name, str) and len(name) == 2 * _NAME_BYTES and all(c in "0123456789abcdef" for c in name)


def restore(form, user, file_fields: list[str]) -> dict[str, tuple[str, str]]:
    """Put the files the posted token keeps into those of `file_fields` left empty; returns {field: (kept copy,
    file name)} of what was restored. Nothing for a token that is not this person's, on this step, or is altered
    or stale."""
    token = request.form.get(FIELD, "") if has_request_context() else ""
    if not token or getattr(user, "id", None) is None:
        return {}
    try:
        owner, files = _signer().loads(token, max_age=MAX_AGE)
    except (BadData, ValueError, TypeError):
        return {}
    if owner != _owner(user) or not isinstance(files, dict):
        return {}
    restored = {}
    for name in file_fields:
        entry = files.get(name)
        field = form._fields.get(name)
        if field is None or not isinstance(entry, list) or len(entry) != 2 or not _is_stored_name(entry[0]):
            continue
        stored, original = entry
        if getattr(field.data, "filename", ""):
            _spent()[stored] = True  # a file chosen now replaces the kept one
            continue
        try:
            content = (_folder() / stored).read_bytes()
        except OSError:
            continue  # removed meanwhile (handed in from another tab, or expired)
        field.data = FileStorage(stream=io.BytesIO(content), filename=clean_filename(str(original)))
        _spent()[stored] = True  # unless the form comes back again (keep)
        restored[name] = (stored, field.data.filename)
    return restored


def keep(form, user, file_fields: list[str], restored: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The form goes back to the person: keep each file of `file_fields` that passed its checks (chosen now, or
    restored), sign the token into the hidden field, and empty the file fields (nothing to choose again).
    Returns {field: file name} kept, for the page to say."""
    files, kept = {}, {}
    if getattr(user, "id", None) is None:
        return kept
    for name in file_fields:
        field = form._fields.get(name)
        upload = getattr(field, "data", None)
        if field is None or field.errors or not getattr(upload, "filename", ""):
            continue
        if name in restored:
            stored = restored[name][0]
            _spent()[stored] = False  # kept again, for the next post
        elif (stored := _copy(upload)) is None:
            continue
        files[name] = [stored, upload.filename]
        kept[name] = upload.filename
        field.data = None
    if files:
        form._fields[FIELD].data = _signer().dumps([_owner(user), files])
    return kept


def _copy(upload) -> str | None:
    """A private copy of the upload, by a new random name (None if the disk refuses it: then it is not kept)."""
    _expire()
    stored = secrets.token_hex(_NAME_BYTES)
    upload.stream.seek(0)
    try:
        with os.fdopen(os.open(_folder() / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as target:
            upload.save(target)
    except OSError:
        current_app.logger.warning("could not keep an uploaded file for the form shown again", exc_info=True)
        (_folder() / stored).unlink(missing_ok=True)
        return None
    finally:
        upload.stream.seek(0)
    return stored


def _spent() -> dict[str, bool]:
    """{kept copy: to remove?} of the files this request restored: once its answer is ready, those its form did
    not keep again are removed (handed in, or of no further use: the token was on the page that moved on)."""
    if _USED not in g:
        g.setdefault(_USED, {})

        @after_this_request
        def _remove_spent(response):
            for stored, spent in g.pop(_USED, {}).items():
                if spent:
                    (_folder() / stored).unlink(missing_ok=True)
            return response
    return g.get(_USED)


def _expire() -> None:
    """Remove kept files older than MAX_AGE (their forms were never sent again)."""
    limit = time.time() - MAX_AGE
    for path in _folder().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue
