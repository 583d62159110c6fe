"""Alembic environment for `flask --app webapp db …` (Flask-Migrate) and webapp.maintenance.schema.

Differences from Flask-Migrate's template, and why:
- A caller may hand over an open connection (`config.attributes["connection"]`): the schema check in
  webapp.maintenance.schema builds the baseline in a scratch database that way.
- Logging is configured from alembic.ini only by the `flask db` commands, and only when nothing configured
  it yet; migrations run from the app (webapp/maintenance/schema.py: `init-db`, the demo's start-up, tests)
  leave the app's logging as it is.
- The app's column type `UTCDateTime` is written into migrations as the plain type it stands for,
  `sa.DateTime(timezone=True)`, so a migration never imports app code that may change later.
- Batch mode (`render_as_batch`, set on Migrate in webapp/extensions.py) lets SQLite alter tables.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config

if (config.attributes.get("configure_logger", True) and config.config_file_name is not None
        and not logging.getLogger().handlers):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Write the app's UTCDateTime as the SQLAlchemy type it is built on (others as alembic does)."""
    from sqlalchemy import DateTime
    from sqlalchemy.types import TypeDecorator

    if type_ == "type" and isinstance(obj, TypeDecorator) and isinstance(obj.impl, DateTime):
        return f"sa.DateTime(timezone={bool(obj.impl.timezone)})"
    return False


def run_migrations_offline():
    """`flask db upgrade --sql`: print the SQL instead of running it."""
    url = str(target_db.engine.url.render_as_string(hide_password=False))
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True, render_as_batch=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # `flask db migrate` with no model change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)

    given = config.attributes.get("connection")
    if given is not None:
        context.configure(connection=given, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()
        return
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
