"""Command-line entry points: `flask --app webapp <command>`."""

from __future__ import annotations

import click
from flask import Flask

from webapp.extensions import db


def setup_database(app: Flask, demo: bool) -> list[tuple[str, str, str]]:
    """Create tables, deploy bpmn/ as the next definition version if it changed, seed demo data."""
    from webapp.engine.definitions import deploy, read_directory

    db.create_all()
    deploy(read_directory(app.config["BPMN_DIR"]), note="bpmn/ at start-up")
    accounts = []
    if demo:
        from webapp.demo import seed

        accounts = seed()
    db.session.commit()
    return accounts


def register_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    @click.option("--demo/--no-demo", default=False)
    def init_db(demo: bool) -> None:
        for row in setup_database(app, demo):
            click.echo("  ".join(row))

    @app.cli.command("deploy")
    @click.option("--note", default="")
    def deploy_cmd(note: str) -> None:
        from webapp.engine.definitions import deploy, read_directory

        bundle = deploy(read_directory(app.config["BPMN_DIR"]), note=note)
        db.session.commit()
        click.echo(f"definitions version {bundle.version}: {', '.join(bundle.process_ids)}")

    @app.cli.command("sweep")
    def sweep_cmd() -> None:
        from tasks.sweep import sweep_once

        click.echo(f"{sweep_once()} instances advanced")
