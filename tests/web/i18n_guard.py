"""Catch text left untranslated in the Chinese UI (issue 6 B1).

Three channels carry sentences the app writes for people: flashed messages, the error page
(``error.html``: its ``message``) and the errors of WTForms forms handed to a template. Each of them is a
translated sentence; data (a typed value, a title, a file name) only ever appears *inside* one, through a
``%(placeholder)s``. So the rule is simple and has no exceptions list: every such text, shown while the
locale is Chinese, contains at least one Chinese character. A Chinese template around an English value
passes; an English sentence (a msgid missing from the catalog, a string never wrapped in ``_()``, a
WTForms built-in message with WTForms' own translations off) does not.

The locale is taken per text, when it is produced, from Flask-Babel — the locale the app translated
with — so requests made with ``?lang=en`` or the ``lang=en`` cookie are skipped.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from dataclasses import dataclass, field

import flask
from flask_babel import get_locale
from wtforms.form import BaseForm

# CJK Unified Ideographs (with Extension A and the compatibility block); punctuation alone does not count.
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _chinese_locale() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def form_errors(errors, path: str = "") -> list[tuple[str, str]]:
    """(field path, message) for every message in ``form.errors``, however nested (FieldList, FormField)."""
    if isinstance(errors, dict):
        return [found for key, value in errors.items()
                for found in form_errors(value, f"{path}.{key or '(form)'}".lstrip("."))]
    if isinstance(errors, (list, tuple)):
        return [found for i, value in enumerate(errors)
                for found in form_errors(value, path if isinstance(value, str) else f"{path}[{i}]")]
    return [(path, str(errors))]  # a message: str, or a lazy string


def _forms_in(context: dict):
    """The forms a template received: top-level values, or inside a list/tuple/dict value."""
    for value in context.values():
        candidates = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
        for candidate in candidates:
            if isinstance(candidate, BaseForm):
                yield candidate


@dataclass
class Recorder:
    """Connected to Flask's signals, it keeps (channel, text) for every text shown in Chinese."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def flashed(self, sender, message, category, **extra):
        if _chinese_locale():
            self.texts.append((f"flash[{category}]", str(message)))

    def rendered(self, sender, template, context, **extra):
        if not _chinese_locale():
            return
        if template.name == "error.html":
            self.texts.append((f"error page {context.get('code')}", str(context.get("message") or "")))
        for form in _forms_in(context):
            for path, message in form_errors(form.errors):
                self.texts.append((f"{type(form).__name__}.{path}", message))

    def listening(self) -> ExitStack:
        stack = ExitStack()
        stack.enter_context(flask.message_flashed.connected_to(self.flashed))
        stack.enter_context(flask.template_rendered.connected_to(self.rendered))
        return stack

    def untranslated(self) -> list[str]:
        return untranslated(self.texts)


def untranslated(texts: list[tuple[str, str]]) -> list[str]:
    """The recorded texts with no Chinese character in them, as 'channel: text' lines."""
    return [f"{channel}: {text!r}" for channel, text in texts if text.strip() and not CHINESE.search(text)]
