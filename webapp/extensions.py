"""Flask extensions, created unbound and initialised in create_app()."""

from pathlib import Path

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# The schema is managed by Alembic (migrations/ at the repository's top level, found wherever the command
# runs from); batch mode lets SQLite alter tables, compare_type lets autogenerate see type changes.
migrate = Migrate(directory=str(Path(__file__).resolve().parent.parent / "migrations"), render_as_batch=True,
                  compare_type=True)
