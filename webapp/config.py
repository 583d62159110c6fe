"""Configuration. Everything deployment-specific comes from the environment (prefix MAKERSPACE_)."""

import os
from pathlib import Path


class Config:
    SECRET_KEY = os.environ.get("MAKERSPACE_SECRET_KEY", "")  # else generated once into the instance folder
    SQLALCHEMY_DATABASE_URI = os.environ.get("MAKERSPACE_DATABASE_URL", "")  # default set in create_app
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Database timeouts (webapp/database.py), so a frozen or unreachable database fails a request instead of
    # hanging it: seconds to wait for a connection; milliseconds a statement may run and may wait for a lock
    # (PostgreSQL's statement_timeout and lock_timeout; SQLite's busy timeout is the lock wait). 0: no limit.
    DB_CONNECT_TIMEOUT = float(os.environ.get("MAKERSPACE_DB_CONNECT_TIMEOUT", "5"))
    DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("MAKERSPACE_DB_STATEMENT_TIMEOUT_MS", "30000"))
    DB_LOCK_TIMEOUT_MS = int(os.environ.get("MAKERSPACE_DB_LOCK_TIMEOUT_MS", "15000"))
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    # WTForms' built-in messages ("Not a valid choice." …) from WTForms' own catalog, in Flask-Babel's locale
    WTF_I18N_ENABLED = True
    # Uploads (Art. 7 attachments) live outside the web root, under generated names.
    UPLOAD_DIR = os.environ.get("MAKERSPACE_UPLOAD_DIR", "")
    # Several documents of one submission together (each up to UPLOAD_MAX_BYTES); at 21 MB two large scans did
    # not fit. A proxy in front must allow as much (nginx: client_max_body_size 64m; docs/operations.md).
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    # The text of one form field (not a file) is Werkzeug's 500 KB (MAX_FORM_MEMORY_SIZE left at Flask's
    # default); only the designer's trial run takes more (webapp/request_limits.py, designer/trial_routes.py).
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    UPLOAD_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "zip")
    BPMN_DIR = str(Path(__file__).resolve().parent.parent / "bpmn")
    # Demo mode lets staff move the application clock forward (never in production).
    DEMO_MODE = os.environ.get("MAKERSPACE_DEMO", "") == "1"
    SWEEP_INTERVAL_SECONDS = 5
    # Budgets of diagram code (webapp/engine/budget.py): seconds one script, condition, timer, parameter, DMN
    # cell or template may run; bytes one value it builds may hold (and the data a script writes).
    DIAGRAM_TIME_BUDGET_SECONDS = float(os.environ.get("MAKERSPACE_DIAGRAM_TIME_BUDGET_SECONDS", "1"))
    DIAGRAM_SIZE_BUDGET_BYTES = int(os.environ.get("MAKERSPACE_DIAGRAM_SIZE_BUDGET_BYTES", str(1024 * 1024)))
    # Mail: sent only when a host is configured.
    MAIL_HOST = os.environ.get("MAKERSPACE_MAIL_HOST", "")
    # MAIL_SECURITY (webapp/notifications.py::open_mail_connection): "starttls" (required, never plain if the
    # server lacks it) or "tls" (implicit, port 465), certificates checked against the system's trust store
    # plus MAIL_CA_FILE; unset: plain, as before, with no log-in; "none" chosen explicitly allows a plain log-in.
    MAIL_SECURITY = os.environ.get("MAKERSPACE_MAIL_SECURITY", "").strip().lower()
    MAIL_PORT = int(os.environ.get("MAKERSPACE_MAIL_PORT", "465" if MAIL_SECURITY == "tls" else "25"))
    MAIL_CA_FILE = os.environ.get("MAKERSPACE_MAIL_CA_FILE", "")
    MAIL_USERNAME = os.environ.get("MAKERSPACE_MAIL_USERNAME", "")  # SMTP AUTH when set
    MAIL_PASSWORD = os.environ.get("MAKERSPACE_MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAKERSPACE_MAIL_SENDER", "noreply@makerspace.local")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    # Accounts and log-in (webapp/auth/, webapp/passwords.py). Behind TLS: Secure cookies, https URLs, HSTS;
    # PROXY_FIX = how many reverse proxies in front set X-Forwarded-For/-Proto (0: none, trust no header).
    HTTPS = os.environ.get("MAKERSPACE_HTTPS", "") == "1"
    HSTS = "max-age=31536000; includeSubDomains"
    PROXY_FIX = int(os.environ.get("MAKERSPACE_PROXY_FIX", "0") or 0)
    SESSION_HOURS = float(os.environ.get("MAKERSPACE_SESSION_HOURS", "12"))  # then log in again
    # Failed log-ins allowed (Flask-Limiter's notation; webapp/auth/throttle.py): per account name from one
    # client address (the short lock: a guesser elsewhere cannot lock the owner out), per account name from all
    # addresses together (the ceiling against guessing spread over many addresses), per client address.
    LOGIN_ACCOUNT_ADDRESS_LIMIT = os.environ.get("MAKERSPACE_LOGIN_ACCOUNT_ADDRESS_LIMIT", "5 per 15 minutes")
    LOGIN_ACCOUNT_LIMIT = os.environ.get("MAKERSPACE_LOGIN_ACCOUNT_LIMIT", "20 per 15 minutes")
    LOGIN_ADDRESS_LIMIT = os.environ.get("MAKERSPACE_LOGIN_ADDRESS_LIMIT", "30 per 15 minutes")
    PASSWORD_MIN_LENGTH = 12  # ASVS 2.1.1
    # argon2id, OWASP's minimum (19 MiB, 2 passes, 1 lane); raise, never lower.
    ARGON2_TIME_COST = int(os.environ.get("MAKERSPACE_ARGON2_TIME_COST", "2"))
    ARGON2_MEMORY_KIB = int(os.environ.get("MAKERSPACE_ARGON2_MEMORY_KIB", "19456"))
    ARGON2_PARALLELISM = int(os.environ.get("MAKERSPACE_ARGON2_PARALLELISM", "1"))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = True
    # Cheap argon2id so hundreds of test log-ins stay fast; tests of the real cost use Config's values.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
