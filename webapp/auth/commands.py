"""Operators' commands for the people and bodies of a deployment (`flask --app webapp …`).

A production database starts empty (no demo data), so the first recommending units, operating
organisations and accounts are created here; each prints what it made, and a mistake is refused with
the reason instead of a traceback.
"""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from forms.fields import credit_code_fault, credit_code_filter
from webapp.extensions import db
from webapp.models import ROLES, Organisation, Unit, User

UNIT_KINDS = ("bureau", "hightech_zone", "agri_zone", "university")
# who needs what: applicants act for an organisation, recommenders for a unit, experts belong to both
NEEDS_ORGANISATION = ("applicant",)
NEEDS_UNIT = ("recommender",)


def _unit(code: str | None) -> Unit | None:
    if not code:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise click.ClickException(f"no recommending unit with code {code!r} (see: flask --app webapp add-unit)")
    return unit


def register_account_commands(app: Flask) -> None:
    @app.cli.command("add-unit")
    @click.argument("code")
    @click.argument("name")
    @click.option("--kind", type=click.Choice(UNIT_KINDS), default="bureau", show_default=True)
    def add_unit(code: str, name: str, kind: str) -> None:
        """Add a recommending unit (推荐单位), e.g. add-unit hohhot 呼和浩特市科技局."""
        if db.session.scalar(select(Unit).where(Unit.code == code)):
            raise click.ClickException(f"a unit with code {code!r} exists already")
        db.session.add(Unit(code=code, name=name, kind=kind))
        db.session.commit()
        click.echo(f"unit {code}: {name} ({kind})")

    @app.cli.command("add-organisation")
    @click.argument("name")
    @click.option("--unit", "unit_code", required=True, help="code of its recommending unit")
    @click.option("--credit-code", default=None, help="统一社会信用代码 (18 characters)")
    def add_organisation(name: str, unit_code: str, credit_code: str | None) -> None:
        """Add an operating organisation (申报单位); prints its id for add-user --organisation."""
        if credit_code is not None:  # written and checked as the change filing's form does (Organisation.known_as)
            credit_code = credit_code_filter(credit_code)
            if fault := credit_code_fault(credit_code):
                raise click.ClickException("not a unified social credit code: " + (
                    "18 digits and capital letters (not I, O, S, V or Z)" if fault == "format"
                    else "its last (check) character does not match the others"))
        organisation = Organisation(name=name, unit_id=_unit(unit_code).id, credit_code=credit_code)
        db.session.add(organisation)
        db.session.commit()
        click.echo(f"organisation {organisation.id}: {name}")

    @app.cli.command("add-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--name", "display_name", required=True, help="the name people see, e.g. 火炬中心 王审核")
    @click.option("--email", default=None)
    @click.option("--unit", "unit_code", default=None, help="recommenders: their unit; experts: the unit they belong to")
    @click.option("--organisation", "organisation_id", type=int, default=None,
                  help="applicants: the organisation they act for; experts: their employer")
    @click.password_option("--password", prompt="Password", help="asked twice, hidden, when not given")
    def add_user(username: str, role: str, display_name: str, email: str | None, unit_code: str | None,
                 organisation_id: int | None, password: str) -> None:
        """Add an account of any role; the password follows the same rules as 修改密码."""
        from webapp.auth.service import check_new_password

        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException(f"an account named {username!r} exists already")
        if role in NEEDS_ORGANISATION and organisation_id is None:
            raise click.ClickException(f"a {role} needs --organisation")
        if role in NEEDS_UNIT and unit_code is None:
            raise click.ClickException(f"a {role} needs --unit")
        if organisation_id is not None and db.session.get(Organisation, organisation_id) is None:
            raise click.ClickException(f"no organisation with id {organisation_id}")
        try:
            check_new_password(password)
        except ValueError as e:
            raise click.ClickException(f"the password needs {e.args[0]} to {e.args[1]} characters") from None
        unit = _unit(unit_code)
        user = User(username=username, display_name=display_name, role=role, email=email,
                    unit_id=unit.id if unit else None, organisation_id=organisation_id)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"account {username}: {role}, {display_name}")
