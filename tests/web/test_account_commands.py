"""A production database starts without demo data: an operator creates the first units, organisations and
accounts from the command line, and the people then log in and see their own work."""

from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, User

from .conftest import Browser
from .test_auth_hardening import signed_in, try_login

PASSWORD = "first-password-2026"


def _run(app, *args, password: str | None = PASSWORD):
    stdin = f"{password}\n{password}\n" if password is not None else None
    return app.test_cli_runner().invoke(args=list(args), input=stdin)


def test_an_operator_creates_a_unit_an_organisation_and_accounts_that_can_log_in(app):
    assert _run(app, "add-unit", "xam", "兴安盟科技局", password=None).exit_code == 0
    made = _run(app, "add-organisation", "兴安创客工场", "--unit", "xam", "--credit-code", "9115 2200 ma0n 00000x",
                password=None)  # as copied from a licence: written the one way the registers write it
    assert made.exit_code == 0, made.output
    organisation_id = int(re.search(r"organisation (\d+):", made.output).group(1))
    for args in (["add-user", "xam_bureau", "--role", "recommender", "--name", "兴安盟科技局 审核", "--unit", "xam"],
                 ["add-user", "xam_maker", "--role", "applicant", "--name", "兴安创客",
                  "--organisation", str(organisation_id)]):
        result = _run(app, *args)
        assert result.exit_code == 0, result.output
    applicant = db.session.scalar(select(User).where(User.username == "xam_maker"))
    assert applicant.organisation_id == organisation_id
    assert db.session.get(Organisation, organisation_id).unit.code == "xam"
    assert db.session.get(Organisation, organisation_id).credit_code == "91152200MA0N00000X"
    browser = Browser(app, None)
    assert try_login(browser, "xam_bureau", PASSWORD).status_code == 302 and signed_in(browser)


def test_mistakes_are_refused_with_the_reason_and_nothing_is_created(app):
    assert _run(app, "add-unit", "xam", "兴安盟科技局", password=None).exit_code == 0
    cases = [
        (["add-unit", "xam", "重复"], None, "exists already"),
        (["add-organisation", "某公司", "--unit", "nowhere"], None, "no recommending unit"),
        (["add-organisation", "某公司", "--unit", "xam", "--credit-code", "123"], None, "18 digits"),
        # checked as the change filing checks it (a review: only the length was, so a mistyped code was stored
        # and a filing naming the right one registered the organisation twice)
        (["add-organisation", "某公司", "--unit", "xam", "--credit-code", "91152200MA0N00000Y"], None, "check"),
        (["add-user", "a1", "--role", "applicant", "--name", "甲"], PASSWORD, "needs --organisation"),
        (["add-user", "r1", "--role", "recommender", "--name", "乙"], PASSWORD, "needs --unit"),
        (["add-user", "a2", "--role", "applicant", "--name", "丙", "--organisation", "999"], PASSWORD,
         "no organisation"),
        (["add-user", "t1", "--role", "torch_center", "--name", "丁"], "short", "12 to 128"),
        (["add-user", "t3", "--role", "torch_center", "--name", "己"], "x" * 129, "12 to 128"),
        (["add-user", "t2", "--role", "boss", "--name", "戊"], PASSWORD, "Invalid value"),
    ]
    for args, password, reason in cases:
        result = _run(app, *args, password=password)
        assert result.exit_code != 0 and reason in result.output, (args, result.output)
    assert db.session.scalars(select(User.username)).all() == []
    assert db.session.scalars(select(Organisation)).all() == []
