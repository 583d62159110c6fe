"""The untranslated-text guard (i18n_guard.py) sees what it should, and every HTTP error speaks Chinese."""

from __future__ import annotations

import re

import pytest
from flask import abort, flash, render_template
from flask_wtf import FlaskForm
from wtforms import FieldList, SelectField, StringField
from wtforms.validators import ValidationError

from .i18n_guard import CHINESE


def _english(form, field):
    raise ValidationError("Nested English error.")


class _Form(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(choices=[("a", "A")])
    names = FieldList(StringField(validators=[_english]), min_entries=1)  # errors nested in form.errors


def test_the_guard_reports_english_flashes_error_pages_and_form_errors(app, i18n_guard):
    @app.route("/_guard/<what>")
    def guard_probe(what):
        if what == "flash":
            flash("Saved in English.", "success")
            flash("已保存：Report 2026-H1", "success")  # a Chinese sentence around an English value is fine
            return "ok"
        if what == "error":
            return render_template("error.html", code=418, message="Teapot trouble.")
        form = _Form(data={"kind": "x", "names": ["n"]})
        form.validate()
        return render_template("error.html", code=422, message="表单有误。", form=form)

    client = app.test_client()
    for what in ("flash", "error", "form"):
        with app.app_context():  # a fresh `g` per request, so each request picks its own locale
            client.get(f"/_guard/{what}")
    with app.app_context():
        client.get("/_guard/error?lang=en")  # English on request: not checked

    assert i18n_guard.untranslated() == [  # once each: the ?lang=en request was not checked
        "flash[success]: 'Saved in English.'",
        "error page 418: 'Teapot trouble.'",
        # WTForms' own message, in Chinese through WTForms' catalog (WTF_I18N_ENABLED), is not reported
        "_Form.names[0]: 'Nested English error.'",
    ]
    assert any(channel == "_Form.kind" and CHINESE.search(text) for channel, text in i18n_guard.texts)
    i18n_guard.texts.clear()  # the English above was deliberate: don't fail this test at teardown


# The page's heading says what happened in words; the code is a footnote (a bare "403" as the heading said
# nothing to the people reading it).
ERROR_MESSAGE = re.compile(r'<div class="card"><h1>(.*?)</h1><p>(.*?)</p>.*?错误代码：(\d+)', re.S)


@pytest.mark.parametrize(("code", "method", "url", "user"), [
    (400, "post", "/tasks/1/claim", "torch1"),  # no CSRF token
    (400, "get", "/_abort/400", None),
    (403, "get", "/admin/holidays", "applicant_a"),
    (404, "get", "/no-such-page", "applicant_a"),
    (404, "get", "/admin/clock", "torch1"),  # abort(404)
    (405, "get", "/logout", "applicant_a"),  # a POST-only route
    (409, "get", "/_abort/409", None),
    (413, "get", "/_abort/413", None),
    (429, "get", "/_abort/429", None),
    (500, "get", "/_abort/500", None),
    (418, "get", "/_abort/418", None),  # any other HTTP error gets the general message
])
def test_every_http_error_shows_the_chinese_error_page(app, login, code, method, url, user):
    app.add_url_rule("/_abort/<int:code>", "abort_with", lambda code: abort(code))
    browser = login(user)
    response = browser.post(url, {}, csrf=False) if method == "post" else browser.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == code
    shown = ERROR_MESSAGE.search(html)
    assert shown and shown.group(3) == str(code), html[:500]
    assert CHINESE.search(shown.group(1)) and not shown.group(1).isdigit(), shown.group(1)
    assert CHINESE.search(shown.group(2)), shown.group(2)
    if code == 405:
        assert "POST" in response.headers["Allow"]


def test_error_pages_speak_english_on_request(app, login):
    response = login("applicant_a").get("/no-such-page?lang=en")
    assert response.status_code == 404
    assert "Not found." in response.get_data(as_text=True)
