"""How much text one field of a form may carry, per route.

Werkzeug holds each text field of a multipart form in memory while it reads the form, up to
`max_form_memory_size` (Flask's MAX_FORM_MEMORY_SIZE, Werkzeug's 500 KB by default), and answers 413 beyond
it. That default suits every form here but the designer's trial run, whose sample answers may run to 200,000
characters (up to 800 KB in UTF-8). Raising the limit app-wide would let every form, the public portal's
included, make the server hold that much per field; so a view that needs more says so (`form_memory`), and
the app's request class reads the mark of the view the URL matched. A `before_request` could not do it:
the app's own hooks (CSRF, the NUL check) read the form first, under the default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Request, current_app

View = TypeVar("View", bound=Callable)


def form_memory(size: int) -> Callable[[View], View]:
    """Mark a view as taking up to `size` bytes of text in one form field (the default elsewhere)."""

    def mark(view: View) -> View:
        view.max_form_memory_size = size  # type: ignore[attr-defined]
        return view

    return mark


class AppRequest(Request):
    """Flask's request, whose form memory limit is the matched view's mark when it has one."""

    @property
    def max_form_memory_size(self) -> int | None:
        if self._max_form_memory_size is None and self.url_rule is not None and current_app:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            size = getattr(view, "max_form_memory_size", None)
            if size is not None:
                return size
        return super().max_form_memory_size

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value
