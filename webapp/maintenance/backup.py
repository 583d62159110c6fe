"""Backup and restore of the whole database and the uploaded files, on any database SQLAlchemy speaks.

A backup is a .tar.gz holding
- `manifest.json`: the format, the Alembic revision of the schema, when it was made (UTC), the app version,
  the database it came from (for information only), every table with its columns (name and kind) and its
  row count, and every upload file's size and SHA-256;
- `tables/NN-<table>.jsonl`: each table's rows, one JSON array per line in the manifest's column order;
  tables in foreign-key order (a row's parents come first), rows by primary key;
- `uploads/<name>`: the files of UPLOAD_DIR.

JSON says nothing about types, so values are written by the kind of their column: datetime → ISO 8601 in
UTC (a naive value stays naive), date and time → ISO, decimal → string, bytes → base64, json → `[value]`,
or `null` for SQL NULL (JSON's own null and SQL NULL stay apart); integers, text, booleans and floats as
JSON. The tables and columns are those of the database itself (reflected), not of the models, so a backup
can be made and restored by code newer than its schema; where a model knows a column, its type reads and
writes the value (the app's UTCDateTime turns SQLite's naive datetimes into UTC ones).

A restore goes into an empty database migrated to the backup's revision — anything else is refused before
anything is written — and the caller then upgrades it to the newest revision. Rows keep their ids; where
the database has sequences, those behind the ids are moved past the largest restored id.

The backup reads every table in one transaction at the strongest snapshot isolation the database offers
(REPEATABLE READ on PostgreSQL). SQLite's Python driver starts no transaction for reads, so on SQLite stop
the web server and the sweeper while a backup runs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import time as wall
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.types import TypeDecorator

from webapp.extensions import db

from .schema import VERSION_TABLE, current_revision

FORMAT = "makerspace-backup"
FORMAT_VERSION = 1
BATCH = 200  # rows per INSERT (process_instance rows hold ~100 kB of engine state each)


class RestoreRefused(RuntimeError):
    """The backup cannot go into this database (or is damaged); nothing was written."""


# ---- column kinds and values ------------------------------------------------------------------------------

def column_kind(type_: sa.types.TypeEngine) -> str:
    """How a column's values are written to JSON: datetime, date, time, decimal, bytes, json or plain."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, sa.JSON):
        return "json"
    if isinstance(type_, sa.LargeBinary):
        return "bytes"
    if isinstance(type_, sa.DateTime):
        return "datetime"
    if isinstance(type_, sa.Date):
        return "date"
    if isinstance(type_, sa.Time):
        return "time"
    if isinstance(type_, sa.Float):
        return "plain"
    if isinstance(type_, sa.Numeric):
        return "decimal" if type_.asdecimal else "plain"
    return "plain"


def encode(kind: str, value: Any, sql_null: bool = False) -> Any:
    if kind == "json":
        return None if sql_null else [value]
    if value is None:
        return None
    if kind == "datetime":
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if kind in ("date", "time"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode(kind: str, value: Any) -> Any:
    if kind == "json":
        if value is None:
            return None  # SQL NULL (the column is written with none_as_null)
        return sa.JSON.NULL if value[0] is None else value[0]
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "bytes":
        return base64.b64decode(value)
    return value


def _io_table(reflected: sa.Table) -> sa.Table:
    """A copy of a reflected table whose column types read and write values faithfully: the model's type
    where a model has this column with the same kind, else the reflected one; JSON with SQL NULL kept apart
    from JSON null."""
    model = db.metadata.tables.get(reflected.name)
    columns = []
    for column in reflected.columns:
        type_ = column.type
        if model is not None and column.name in model.c and column_kind(model.c[column.name].type) == column_kind(type_):
            type_ = model.c[column.name].type
        if column_kind(type_) == "json":
            type_ = sa.JSON(none_as_null=True)
        columns.append(sa.Column(column.name, type_, primary_key=column.primary_key))
    return sa.Table(reflected.name, sa.MetaData(), *columns)


def _reflect(connection: sa.Connection) -> list[sa.Table]:
    """The database's tables in foreign-key order (parents first), without Alembic's version table."""
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    return [table for table in metadata.sorted_tables if table.name != VERSION_TABLE]


# ---- backup --------------------------------------------------------------------------------------------------

def _snapshot_isolation(connection: sa.Connection) -> str | None:
    levels = connection.dialect.get_isolation_level_values(connection.connection.dbapi_connection)
    return next((level for level in ("REPEATABLE READ", "SERIALIZABLE") if level in levels), None)


def _dump_rows(connection: sa.Connection, table: sa.Table, out) -> tuple[list[dict], int]:
    io_table = _io_table(table)
    kinds = [column_kind(column.type) for column in io_table.columns]
    nulls = [io_table.c[c.name].is_(None).label(f"null_{i}") for i, c in enumerate(io_table.columns) if kinds[i] == "json"]
    query = sa.select(*io_table.columns, *nulls).order_by(*io_table.primary_key.columns)
    count = 0
    for row in connection.execution_options(stream_results=True, yield_per=BATCH).execute(query):
        values = []
        for i, kind in enumerate(kinds):
            sql_null = bool(row._mapping[f"null_{i}"]) if kind == "json" else False
            values.append(encode(kind, row[i], sql_null))
        out.write(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        count += 1
    columns = [{"name": column.name, "kind": kind} for column, kind in zip(io_table.columns, kinds, strict=True)]
    return columns, count


def _upload_files(upload_dir: Path) -> list[Path]:
    """The upload folder's files, but for those kept for a form shown again (forms/kept_uploads.py): nobody's
    documents yet, and gone within a day."""
    from forms.kept_uploads import KEPT_FOLDER

    if not upload_dir.is_dir():
        return []
    return sorted(path for path in upload_dir.rglob("*")
                  if path.is_file() and path.relative_to(upload_dir).parts[0] != KEPT_FOLDER)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("makerspace")
    except PackageNotFoundError:
        return "unknown"


def write_backup(target: Path) -> dict:
    """Write a backup of the app's database and upload files to `target` (created owner-only; an existing
    file is not overwritten). Returns the manifest."""
    target = Path(target)
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory(prefix="backup-") as scratch:
        tables = []
        with db.engine.connect() as connection:
            if level := _snapshot_isolation(connection):
                connection = connection.execution_options(isolation_level=level)
            with connection.begin():
                revision = current_revision(connection)
                if revision is None:
                    raise RuntimeError("the database has no migration revision: run `flask --app webapp init-db` "
                                       "or `flask --app webapp db upgrade` first")
                for number, table in enumerate(_reflect(connection), start=1):
                    member = f"tables/{number:02d}-{table.name}.jsonl"
                    with open(Path(scratch) / f"{number:02d}.jsonl", "wb") as out:
                        columns, count = _dump_rows(connection, table, out)
                    tables.append({"name": table.name, "file": member, "rows": count, "columns": columns})
                database = connection.dialect.name
        # Files after the rows: an upload is written before its row commits, so every row read has its file.
        files = _upload_files(upload_dir)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "revision": revision,
            "created_at": datetime.now(UTC).isoformat(), "app_version": _app_version(), "database": database,
            "tables": tables,
            "uploads": [{"path": path.relative_to(upload_dir).as_posix(), "size": path.stat().st_size,
                         "sha256": _sha256(path)} for path in files],
        }
        draft = target.with_name(f".{target.name}.partial")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds personal data
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
                for number, table in enumerate(tables, start=1):
                    _add_file(tar, table["file"], Path(scratch) / f"{number:02d}.jsonl")
                for path, entry in zip(files, manifest["uploads"], strict=True):
                    _add_file(tar, f"uploads/{entry['path']}", path)
            os.link(draft, target)  # never over an existing file
        finally:
            os.unlink(draft)
    return manifest


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(wall.time())
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_tarinfo(name, len(data)), io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    with path.open("rb") as f:
        tar.addfile(_tarinfo(name, os.fstat(f.fileno()).st_size), f)


# ---- restore -------------------------------------------------------------------------------------------------

def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError) as e:
        raise RestoreRefused("this is not a backup of this app (no readable manifest.json)") from e
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise RestoreRefused(f"unknown backup format {manifest.get('format')!r} {manifest.get('format_version')!r}")
    return manifest


def restore_backup(source: Path) -> dict:
    """Restore a backup into the app's database, which must be empty and at the backup's revision, and its
    files into UPLOAD_DIR. Raises RestoreRefused, having written nothing, when that is not so. Returns the
    manifest; the caller then upgrades the database to the newest revision."""
    try:
        tar = tarfile.open(source, mode="r:gz")  # noqa: SIM115  (closed by the `with` below)
    except (OSError, tarfile.TarError) as e:
        raise RestoreRefused(f"cannot read {source}: {e}") from e
    with tar:
        manifest = read_manifest(tar)
        upload_dir = Path(current_app.config["UPLOAD_DIR"])
        with db.engine.connect() as connection:
            targets = _check_target(connection, manifest)
            uploads = _check_uploads(tar, manifest, upload_dir)
            written: list[Path] = []
            try:
                for name, data in uploads:
                    written.append(_write_upload(upload_dir, name, data))
                with connection.begin():
                    for entry in manifest["tables"]:
                        _insert_rows(connection, tar, entry, targets[entry["name"]])
                    restart_sequences(connection, [targets[entry["name"]] for entry in manifest["tables"]])
            except BaseException:
                for path in written:  # the rows are rolled back; their files go too
                    path.unlink(missing_ok=True)
                raise
            refresh_statistics(connection)
    return manifest


def refresh_statistics(connection: sa.Connection) -> None:
    """After rows were written in bulk (a restore; the benchmark's seed), PostgreSQL: statistics and the
    visibility map for them, which autovacuum would add later. Without them the planner guesses and the inboxes' counts read the tables (at 100,000 cases the
    Torch Center's inbox took 23 ms instead of 9). SQLite plans without statistics on purpose."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def _check_target(connection: sa.Connection, manifest: dict) -> dict[str, sa.Table]:
    """The target's tables by name, after checking it is empty and at the backup's revision."""
    wanted = manifest["revision"]
    found = current_revision(connection)
    if found != wanted:
        raise RestoreRefused(
            f"the database is at revision {found or '(none)'}, the backup at {wanted}: restore into an empty "
            f"database upgraded to the backup's revision (`flask --app webapp db upgrade {wanted}`), then "
            "upgrade it (`flask --app webapp db upgrade`)")
    tables = {table.name: table for table in _reflect(connection)}
    holding = [name for name, table in tables.items()
               if connection.scalar(sa.select(sa.func.count()).select_from(table))]
    connection.rollback()
    if holding:
        raise RestoreRefused(f"the database is not empty (rows in {', '.join(sorted(holding))}): restore only into "
                             "an empty database")
    problems = []
    for entry in manifest["tables"]:
        table = tables.get(entry["name"])
        if table is None:
            problems.append(f"table {entry['name']} missing")
            continue
        if missing := [c["name"] for c in entry["columns"] if c["name"] not in table.c]:
            problems.append(f"{entry['name']}: columns {', '.join(missing)} missing")
    if problems:
        raise RestoreRefused("the database's tables are not the backup's: " + "; ".join(problems))
    return tables


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        raise RestoreRefused(f"the backup names an upload outside the upload folder: {name!r}")
    return path


def _check_uploads(tar: tarfile.TarFile, manifest: dict, upload_dir: Path) -> list[tuple[PurePosixPath, bytes]]:
    """Every upload file of the backup, checked against the manifest's checksum and against what the upload
    folder holds already (the same file again is fine; a different one under the same name is refused)."""
    files = []
    for entry in manifest["uploads"]:
        name = _safe_relative(entry["path"])
        try:
            data = tar.extractfile(f"uploads/{name}").read()
        except KeyError:
            raise RestoreRefused(f"the backup lacks the upload file {name}") from None
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise RestoreRefused(f"the upload file {name} in the backup is damaged (checksum differs)")
        existing = upload_dir / name
        if existing.exists() and existing.read_bytes() != data:
            raise RestoreRefused(f"the upload folder already holds a different file {name}")
        files.append((name, data))
    return files


def _write_upload(upload_dir: Path, name: PurePosixPath, data: bytes) -> Path:
    path = upload_dir / name
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _lines(tar: tarfile.TarFile, member: str) -> Iterator[list]:
    try:
        raw = tar.extractfile(member)
    except KeyError:
        raise RestoreRefused(f"the backup lacks {member}") from None
    for line in io.TextIOWrapper(raw, encoding="utf-8"):
        if line.strip():
            yield json.loads(line)


def _insert_rows(connection: sa.Connection, tar: tarfile.TarFile, entry: dict, target: sa.Table) -> None:
    io_table = _io_table(target)
    names = [c["name"] for c in entry["columns"]]
    kinds = [c["kind"] for c in entry["columns"]]
    insert = io_table.insert()
    batch: list[dict] = []
    count = 0
    for values in _lines(tar, entry["file"]):
        if len(values) != len(names):
            raise RestoreRefused(f"{entry['file']}: a row with {len(values)} values for {len(names)} columns")
        batch.append({name: decode(kind, value) for name, kind, value in zip(names, kinds, values, strict=True)})
        count += 1
        if len(batch) == BATCH:
            connection.execute(insert, batch)
            batch = []
    if batch:
        connection.execute(insert, batch)
    if count != entry["rows"]:
        raise RestoreRefused(f"{entry['file']} holds {count} rows, the manifest says {entry['rows']}")


def restart_sequences(connection: sa.Connection, tables: list[sa.Table]) -> None:
    """Rows came with their ids (a restore; the benchmark's seed); a database that numbers rows from sequences would hand out those ids
    again. Move each sequence behind an integer column (an identity column, or a column whose default
    draws from a named sequence) past the largest id, in standard SQL. Databases without sequences (SQLite
    numbers from the largest rowid) need nothing."""
    if not connection.dialect.supports_sequences:
        return
    inspector = sa.inspect(connection)
    sequences = inspector.get_sequence_names()
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in inspector.get_columns(table.name):
            if not isinstance(column["type"], sa.Integer):
                continue
            highest = connection.scalar(sa.select(sa.func.max(table.c[column["name"]])))
            if highest is None:
                continue
            if column.get("identity"):
                connection.exec_driver_sql(f"ALTER TABLE {quote(table.name)} ALTER COLUMN {quote(column['name'])} "
                                           f"RESTART WITH {int(highest) + 1}")
                continue
            default = str(column.get("default") or "")
            for sequence in sequences:
                if re.search(rf"(?<![\w$]){re.escape(sequence)}(?![\w$])", default):
                    connection.exec_driver_sql(f"ALTER SEQUENCE {quote(sequence)} RESTART WITH {int(highest) + 1}")
