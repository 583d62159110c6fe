"""Command-line entry points: `flask --app webapp <command>`."""

from __future__ import annotations

import click
from flask import Flask

from webapp.extensions import db


def setup_database(app: Flask, demo: bool) -> list[tuple[str, str, str]]:
    """Migrate the schema to the newest revision, deploy bpmn/ as the next definition version if it changed,
    seed demo data. A database made before migrations is stamped with the baseline first (see
    webapp/maintenance/schema.py); one of another shape raises SchemaMismatch, unchanged."""
    from webapp.engine.definitions import deploy, read_directory
    from webapp.maintenance.schema import upgrade_database

    upgrade_database()
    # The note is shown to designers and supervisors beside the version, in their language like their own notes.
    deploy(read_directory(app.config["BPMN_DIR"]), note="系统启动时随程序部署的流程定义")
    accounts = []
    if demo:
        from webapp.demo import seed

        accounts = seed()
    db.session.commit()
    return accounts


def register_cli(app: Flask) -> None:
    from webapp.maintenance.commands import register_commands

    register_commands(app)  # backup, restore

    @app.cli.command("init-db")
    @click.option("--demo/--no-demo", default=False)
    def init_db(demo: bool) -> None:
        from webapp.maintenance.schema import SchemaMismatch

        try:
            accounts = setup_database(app, demo)
        except SchemaMismatch as e:
            raise click.ClickException(str(e)) from None
        for row in accounts:
            click.echo("  ".join(row))

    @app.cli.command("deploy")
    @click.option("--note", default="")
    def deploy_cmd(note: str) -> None:
        from webapp.engine.definitions import deploy, read_directory

        bundle = deploy(read_directory(app.config["BPMN_DIR"]), note=note)
        db.session.commit()
        click.echo(f"definitions version {bundle.version}: {', '.join(bundle.process_ids)}")

    from webapp.auth.commands import register_account_commands

    register_account_commands(app)  # add-unit, add-organisation, add-user

    @app.cli.command("set-password")
    @click.argument("username")
    @click.password_option("--password", prompt="New password", help="asked twice, hidden, when not given")
    def set_password_cmd(username: str, password: str) -> None:
        """Set an account's password; every browser signed in to it is logged out."""
        from webapp.auth.service import set_password

        try:
            ended = set_password(username, password)
        except LookupError:
            raise click.ClickException(f"no account named {username!r}") from None
        except ValueError as e:
            raise click.ClickException(f"the password needs {e.args[0]} to {e.args[1]} characters") from None
        db.session.commit()
        click.echo(f"password of {username} changed; {ended} session(s) ended")

    @app.cli.command("sweep")
    @click.option("--forever", is_flag=True, help="Sweep again and again until SIGTERM/SIGINT (the production sweeper).")
    @click.option("--interval", type=click.FloatRange(min=0.1), default=None,
                  help="Seconds between sweeps with --forever (default SWEEP_INTERVAL_SECONDS, 5).")
    def sweep_cmd(forever: bool, interval: float | None) -> None:
        """Fire due timers and send pending mail, once or (--forever) until stopped."""
        from tasks.sweep import run_until_signalled, sweep_once

        if forever:
            from webapp.observability import configure_logging

            configure_logging()  # MAKERSPACE_LOG_FORMAT (default json), MAKERSPACE_LOG_LEVEL
            from webapp.heap import settle

            settle()  # a long-running process: collections skip what start-up made
            run_until_signalled(app, interval or app.config["SWEEP_INTERVAL_SECONDS"])
            return
        click.echo(f"{sweep_once()} instances advanced")
