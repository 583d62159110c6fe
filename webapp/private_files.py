"""Owner-only files: the instance folder, the SQLite database and the uploads hold personal data and
case files, so nobody but the account running the app may read them (directories 0700, files 0600),
whatever the process umask. Existing ones are tightened; ones owned by another account are left alone
(and logged), since only their owner may change them."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: str | Path) -> Path:
    """Create `path` (and missing parents) owner-only, or take group and others' access off it."""
    path = Path(path)
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    _tighten(path)
    return path


def private_file(path: str | Path) -> Path:
    """Create an empty `path` owner-only if it does not exist, or take group and others' access off it."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        _tighten(path)
    return path


def private_sqlite_database(uri: str) -> None:
    """For an SQLite database in a file (not `:memory:`, not a `file:` URI), create the file owner-only
    before SQLite does (its journal and WAL files then take the same mode)."""
    url = make_url(uri)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return
    if Path(database).parent.is_dir():
        private_file(database)


def _tighten(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            path.chmod(mode & ~0o077)
        except OSError:
            log.warning("%s is readable by other accounts and cannot be changed by this one", path)
