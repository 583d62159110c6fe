"""The language of the pages: Chinese unless the person chose English.

A link in every page's header switches (`?lang=en` / `?lang=zh`); the choice is kept in a cookie, so the
next page stays in it. Without the cookie a choice held for one page only."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Flask, request

LANGUAGES = ("zh", "en")
# Each language named in itself, so that a person who cannot read the current one still finds theirs.
NAMES = {"zh": "中文", "en": "English"}
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else "zh"


def switch_url(language: str) -> str:
    """This page in `language` (its other parameters kept)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    # The path as typed may hold a backslash, a tab or a second leading slash (a 404 page for "/%5Cevil.example"
    # or "//evil.example"), which a browser reads as another host: re-encoded, and one leading slash only.
    path = "/" + quote(request.path.lstrip("/"), safe="/!$&'()*+,;=:@-._~")
    return f"{path}?{urlencode([*args, ('lang', language)])}"


def init_app(app: Flask) -> None:
    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                                secure=app.config.get("SESSION_COOKIE_SECURE", False))
        return response

    @app.context_processor
    def language_switch():
        current = select_locale()
        other = "en" if current == "zh" else "zh"
        return {"page_language": "en" if current == "en" else "zh-CN", "other_language": other,
                "other_language_name": NAMES[other], "language_switch_url": switch_url}
