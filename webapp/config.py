"""Configuration. Everything deployment-specific comes from the environment (prefix MAKERSPACE_)."""

import os
from pathlib import Path


class Config:
    SECRET_KEY = os.environ.get("MAKERSPACE_SECRET_KEY", "")  # else generated once into the instance folder
    SQLALCHEMY_DATABASE_URI = os.environ.get("MAKERSPACE_DATABASE_URL", "")  # default set in create_app
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    # WTForms' built-in messages ("Not a valid choice." …) from WTForms' own catalog, in Flask-Babel's locale
    WTF_I18N_ENABLED = True
    # Uploads (Art. 7 attachments) live outside the web root, under generated names.
    UPLOAD_DIR = os.environ.get("MAKERSPACE_UPLOAD_DIR", "")
    MAX_CONTENT_LENGTH = 21 * 1024 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    UPLOAD_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "zip")
    BPMN_DIR = str(Path(__file__).resolve().parent.parent / "bpmn")
    # Demo mode lets staff move the application clock forward (never in production).
    DEMO_MODE = os.environ.get("MAKERSPACE_DEMO", "") == "1"
    SWEEP_INTERVAL_SECONDS = 5
    # Mail: sent only when a host is configured.
    MAIL_HOST = os.environ.get("MAKERSPACE_MAIL_HOST", "")
    MAIL_PORT = int(os.environ.get("MAKERSPACE_MAIL_PORT", "25"))
    MAIL_SENDER = os.environ.get("MAKERSPACE_MAIL_SENDER", "noreply@makerspace.local")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = True
