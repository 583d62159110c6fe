"""Mail over TLS and with a log-in (ASVS V9.2.2, V9.2.3), against real SMTP servers (aiosmtpd on 127.0.0.1)
holding a self-signed certificate made here with the `openssl` command: STARTTLS and implicit TLS deliver
with the certificate checked; an untrusted certificate, a server without STARTTLS, a refused log-in or a
server wanting one stop the batch before anything is sent, give no message up, and the outbox goes out
once the fault is fixed."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from tasks.sweep import sweep_once
from webapp import notifications as notifications_module
from webapp.extensions import db
from webapp.models import Notification
from webapp.notifications import notify

from .test_mail import Collector, free_port

USERNAME, PASSWORD = "mailer", "correct horse battery staple"
NAMES = ("applicant_a", "applicant_b", "recommender_a")


def make_certificate(directory: Path, name: str, san: str) -> tuple[Path, Path]:
    """A self-signed certificate and its key, valid for `san` (e.g. "IP:127.0.0.1"). The openssl command
    is part of any Debian with ca-certificates or PostgreSQL (which the test command installs)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the mail TLS tests need the openssl command (apt-get install openssl)")
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    directory = tmp_path_factory.mktemp("mail-tls")
    return {
        "local": make_certificate(directory, "mail-local", "IP:127.0.0.1,DNS:localhost"),
        "other_name": make_certificate(directory, "mail-other", "DNS:mail.example.test"),
    }


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _tls_version(server) -> str | None:
    ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
    return ssl_object.version() if ssl_object else None


class TLSCollector(Collector):
    """Keeps every message with how its session was secured: the TLS version (None: plain) and the login."""

    def __init__(self):
        super().__init__()
        self.sessions: list[tuple[str | None, str | None]] = []  # one per accepted message
        self.mail_commands: list[str | None] = []  # the TLS version of every MAIL FROM that got through

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_commands.append(_tls_version(server))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sessions.append((_tls_version(server), session.auth_data if session.authenticated else None))
        return await super().handle_DATA(server, session, envelope)


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USERNAME.encode(), PASSWORD.encode())
    # handled=False: aiosmtpd answers a failure with 535 itself (handled=True would leave the client waiting)
    return AuthResult(success=ok, handled=False, auth_data=USERNAME if ok else None)


@contextmanager
def mail_server(app, **kw):
    """A real SMTP server on a free port of 127.0.0.1, with the app's mail settings pointed at it (plain and
    without a log-in until a test says otherwise)."""
    handler = TLSCollector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kw)
    controller.start()
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=controller.port, MAIL_SECURITY="", MAIL_CA_FILE="",
                      MAIL_USERNAME="", MAIL_PASSWORD="")
    try:
        yield handler
    finally:
        controller.stop()


def queue_notices(world) -> None:
    for name in NAMES:
        notify(world["users"][name], f"新的待办：给{name}", "/tasks/1")
    db.session.commit()


def outbox() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def assert_waiting() -> None:
    """Nothing mailed and nothing given up: every notice is still in the outbox for the next sweep."""
    notices = outbox()
    assert notices and not any(n.emailed or n.mail_failed for n in notices)


def assert_all_delivered(handler: TLSCollector) -> None:
    for name in NAMES:
        assert handler.subjects(f"{name}@example.test") == [f"【众创空间管理系统】新的待办：给{name}"], name
    assert all(n.emailed and not n.mail_failed for n in outbox())


def errors(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records
                     if r.name == "webapp.notifications" and r.levelno >= logging.ERROR)


# ---- STARTTLS and implicit TLS, the certificate checked ----------------------------------------------------

def test_starttls_with_the_ca_file_delivers_every_message_over_tls(app, world, certificates):
    cert, _ = certificates["local"]
    # the server refuses everything but EHLO and STARTTLS in plain text (RFC 3207)
    with mail_server(app, tls_context=server_context(certificates["local"]), require_starttls=True) as server:
        app.config.update(MAIL_SECURITY="starttls", MAIL_CA_FILE=str(cert))
        queue_notices(world)
        sweep_once()
        assert_all_delivered(server)
        assert len(server.sessions) == len(NAMES)
        assert all(version in ("TLSv1.2", "TLSv1.3") for version, _ in server.sessions), server.sessions
        assert all(version is not None for version in server.mail_commands)


def test_implicit_tls_delivers_with_the_certificate_checked(app, world, certificates):
    cert, _ = certificates["local"]
    with mail_server(app, ssl_context=server_context(certificates["local"])) as server:
        app.config.update(MAIL_SECURITY="tls", MAIL_CA_FILE=str(cert))
        queue_notices(world)
        sweep_once()
        assert_all_delivered(server)
        assert all(version in ("TLSv1.2", "TLSv1.3") for version, _ in server.sessions), server.sessions


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_sends_nothing_and_the_outbox_goes_out_once_trusted(
        app, world, certificates, caplog, security):
    cert, _ = certificates["local"]
    tls = {"tls_context": server_context(certificates["local"]), "require_starttls": True} \
        if security == "starttls" else {"ssl_context": server_context(certificates["local"])}
    with mail_server(app, **tls) as server:
        app.config.update(MAIL_SECURITY=security)  # the system's trust store only: the self-signed one fails
        queue_notices(world)
        sweep_once()  # raises nothing
        assert server.received == [] and server.mail_commands == []
        assert_waiting()  # the server's fault, not the messages': none is given up
        assert "certificate verify failed" in errors(caplog) and "outbox waits" in errors(caplog)

        app.config.update(MAIL_CA_FILE=str(cert))  # the operator adds the mail server's CA
        sweep_once()
        assert_all_delivered(server)


def test_a_certificate_for_another_host_name_is_refused(app, world, certificates, caplog):
    cert, _ = certificates["other_name"]  # trusted through the CA file, but issued to mail.example.test
    with mail_server(app, tls_context=server_context(certificates["other_name"]), require_starttls=True) as server:
        app.config.update(MAIL_SECURITY="starttls", MAIL_CA_FILE=str(cert))
        queue_notices(world)
        sweep_once()
        assert server.received == [] and server.mail_commands == []
        assert_waiting()
        assert "127.0.0.1" in errors(caplog) and "certificate verify failed" in errors(caplog)


def test_starttls_required_but_not_offered_sends_nothing_in_plain_text(app, world, certificates, caplog):
    with mail_server(app) as server:  # plain SMTP only, as when STARTTLS is stripped on the way
        app.config.update(MAIL_SECURITY="starttls")
        queue_notices(world)
        sweep_once()
        sweep_once()
        assert server.received == [] and server.mail_commands == []  # not even a MAIL FROM in plain
        assert_waiting()
        assert "does not offer STARTTLS" in errors(caplog)


def test_an_unreadable_ca_file_is_a_settings_fault(app, world, certificates, caplog, tmp_path):
    with mail_server(app, tls_context=server_context(certificates["local"]), require_starttls=True) as server:
        app.config.update(MAIL_SECURITY="starttls", MAIL_CA_FILE=str(tmp_path / "missing.pem"))
        queue_notices(world)
        sweep_once()
        assert server.received == []
        assert_waiting()
        assert "MAKERSPACE_MAIL_CA_FILE" in errors(caplog)


# ---- SMTP AUTH -------------------------------------------------------------------------------------------

def auth_server(app, certificates):
    return mail_server(app, tls_context=server_context(certificates["local"]), require_starttls=True,
                       authenticator=authenticator, auth_required=True)


def test_login_over_starttls_is_accepted(app, world, certificates):
    cert, _ = certificates["local"]
    with auth_server(app, certificates) as server:
        app.config.update(MAIL_SECURITY="starttls", MAIL_CA_FILE=str(cert), MAIL_USERNAME=USERNAME,
                          MAIL_PASSWORD=PASSWORD)
        queue_notices(world)
        sweep_once()
        assert_all_delivered(server)
        assert all(version in ("TLSv1.2", "TLSv1.3") and login == USERNAME for version, login in server.sessions)


def test_a_wrong_password_gives_no_message_up(app, world, certificates, caplog):
    cert, _ = certificates["local"]
    with auth_server(app, certificates) as server:
        app.config.update(MAIL_SECURITY="starttls", MAIL_CA_FILE=str(cert), MAIL_USERNAME=USERNAME,
                          MAIL_PASSWORD="wrong password")
        queue_notices(world)
        sweep_once()
        sweep_once()
        assert server.received == []
        assert_waiting()
        assert "refused the log-in" in errors(caplog) and "535" in errors(caplog)
        assert "wrong password" not in caplog.text  # the password is never logged

        app.config.update(MAIL_PASSWORD=PASSWORD)
        sweep_once()
        assert_all_delivered(server)


def test_a_server_wanting_a_login_gives_no_message_up(app, world, certificates, caplog):
    """Without MAIL_USERNAME a server requiring AUTH answers every MAIL FROM with 530: the settings' fault,
    the same for every message, so the batch stops and none is marked failed."""
    cert, _ = certificates["local"]
    with auth_server(app, certificates) as server:
        app.config.update(MAIL_SECURITY="starttls", MAIL_CA_FILE=str(cert))
        queue_notices(world)
        sweep_once()
        assert server.received == []
        assert_waiting()
        assert "530" in errors(caplog)

        app.config.update(MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD)
        sweep_once()
        assert_all_delivered(server)


def test_a_login_in_plain_text_only_when_chosen_and_then_with_one_warning(app, world, caplog, monkeypatch):
    monkeypatch.setattr(notifications_module, "_plain_login_warned", False)
    with mail_server(app, authenticator=authenticator, auth_require_tls=False) as server:
        # a user name with MAIL_SECURITY unset: the password is not sent in plain text, nothing is
        app.config.update(MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD)
        queue_notices(world)
        sweep_once()
        assert server.received == []
        assert_waiting()
        assert "MAKERSPACE_MAIL_SECURITY is not" in errors(caplog)

        # "none" chosen explicitly: the operator accepts a plain log-in, and is warned once, not per sweep
        app.config.update(MAIL_SECURITY="none")
        caplog.clear()
        sweep_once()
        assert_all_delivered(server)
        assert all(version is None and login == USERNAME for version, login in server.sessions)
        notify(world["users"]["torch1"], "新的待办：给torch1", "/tasks/1")
        db.session.commit()
        sweep_once()
        assert server.subjects("torch1@example.test") == ["【众创空间管理系统】新的待办：给torch1"]
        warnings = [r for r in caplog.records if r.name == "webapp.notifications" and "without TLS" in r.getMessage()]
        assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
