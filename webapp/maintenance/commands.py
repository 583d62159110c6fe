"""`flask --app webapp backup FILE`, `restore FILE` and `expand-states` (registered by webapp/cli.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask


def register_commands(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def backup_cmd(file: Path) -> None:
        """Write the database and the upload files to FILE (.tar.gz), at the schema's revision."""
        from .backup import write_backup

        if file.exists():
            raise click.ClickException(f"{file} exists already; name a new file")
        try:
            manifest = write_backup(file)
        except RuntimeError as e:
            raise click.ClickException(str(e)) from None
        rows = sum(table["rows"] for table in manifest["tables"])
        click.echo(f"{file}: revision {manifest['revision']}, {rows} rows in {len(manifest['tables'])} tables, "
                   f"{len(manifest['uploads'])} upload files")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def restore_cmd(file: Path) -> None:
        """Restore FILE into an empty database at the backup's revision; then run `flask db upgrade`."""
        from .backup import RestoreRefused, restore_backup

        try:
            manifest = restore_backup(file)
        except RestoreRefused as e:
            raise click.ClickException(f"nothing restored: {e}") from None
        rows = sum(table["rows"] for table in manifest["tables"])
        click.echo(f"restored {rows} rows and {len(manifest['uploads'])} upload files (revision "
                   f"{manifest['revision']}, made {manifest['created_at']}); "
                   "now run: flask --app webapp db upgrade")

    @app.cli.command("expand-states")
    def expand_states_cmd() -> None:
        """Write every case's saved state in SpiffWorkflow's full form (before going back to a release from
        before issue 10, or upgrading SpiffWorkflow): see docs/operations.md."""
        from .states import expand_states

        click.echo(f"{expand_states()} case states written in the full form")
