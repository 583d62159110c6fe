"""Issue 9's security probe, the remaining findings (one medium, the rest low), each reproduced as the probe
did it: a line break in a space name stopping everyone's mail, a download typed by its name, upload files
left behind by a lost race, a GET that marks notices read, the server banner, world-readable data, a double
submit starting two applications, and a supervisor moving the demo clock."""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import stat
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from tasks.sweep import sweep_once
from tests.conftest import make_app
from webapp.attachments import save_upload
from webapp.extensions import db
from webapp.models import (
    Application,
    AppSetting,
    Attachment,
    HumanTask,
    MakerSpace,
    Notification,
    Organisation,
    ProcessInstance,
    Unit,
    User,
)
from webapp.notifications import notify

from . import test_mail
from .conftest import PASSWORD, Browser
from .flow import application_fields, start_application, with_files
from .lifecycle import FIRST_REPORT, HALF_YEAR, make_recognised_space, move_clock_to
from .test_mail import Collector, free_port

smtp = test_mail.smtp  # a fixture: a real SMTP server (aiosmtpd) on 127.0.0.1

PDF = b"%PDF-1.4\n" + b"0" * 2048
# What the probe named its space: the line break would end the Subject header and start a Bcc header.
BAD_NAME = "青城创客空间\r\nBcc: victim@evil.example"


def _pending(world, name: str) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == world["users"][name].id).order_by(Notification.id)))


# ---- 1. one bad name stopped e-mail for everyone [medium] ------------------------------------------------

def test_a_line_break_in_a_space_name_stops_no_ones_mail(app, world, smtp):
    """The probe's space name holds CR/LF; its half-year report notice comes first in the outbox, then
    notices for another organisation and unit. Every one is delivered, the bad one under a clean one-line
    subject, nobody is blind-copied, and the sweep raises nothing."""
    app.config["MAIL_HOST"] = ""  # the outbox fills up first, as while the mail server was being set up
    make_recognised_space(world, name=BAD_NAME)
    move_clock_to(FIRST_REPORT)
    [bad] = [n for n in _pending(world, "applicant_a") if HALF_YEAR in n.text]
    assert "\r\nBcc:" in bad.text  # the name, as stored, still holds the line break
    behind = {name: f"新的待办：推荐单位审核（鹿城众创空间{name}）" for name in ("applicant_b", "recommender_b", "torch1")}
    for name, text in behind.items():
        notify(world["users"][name], text, "/tasks/1")
    db.session.commit()

    app.config["MAIL_HOST"] = "127.0.0.1"
    sweep_once()  # raised ValueError("Header values may not contain linefeed…") on every sweep

    for name, text in behind.items():
        assert smtp.subjects(f"{name}@example.test").count(f"【众创空间管理系统】{text}") == 1, name
    [mail] = [m for m in smtp.to("applicant_a@example.test") if HALF_YEAR in str(m["Subject"])]
    clean = f"新的待办：「青城创客空间 Bcc: victim@evil.example」的{HALF_YEAR}"  # one line: no header begins
    assert str(mail["Subject"]) == "【众创空间管理系统】" + clean[:60]
    assert mail["Bcc"] is None and all("victim@evil.example" not in rcpt for rcpt, _, _ in smtp.received)
    assert all(n.emailed for name in [*behind, "applicant_a"] for n in _pending(world, name))
    count = len(smtp.received)
    sweep_once()
    assert len(smtp.received) == count  # each once


def test_an_invalid_address_is_marked_failed_and_the_rest_go_out(app, world, smtp):
    """An address or display name holding a line break (as an imported account might) never reaches a
    header: the notice is marked failed (and logged), the one behind it is delivered."""
    applicant = world["users"]["applicant_a"]
    applicant.email = "applicant_a@example.test\r\nBcc: victim@evil.example"
    world["users"]["applicant_b"].display_name = "鹿城\r\nBcc: victim@evil.example"
    notify(applicant, "新的待办：填写并提交申报书（青城创客空间）", "/tasks/1")
    notify(world["users"]["applicant_b"], "新的待办：填写并提交申报书（鹿城众创空间）", "/tasks/2")
    db.session.commit()

    sweep_once()
    [failed] = _pending(world, "applicant_a")
    assert failed.mail_failed and not failed.emailed
    [mail] = smtp.to("applicant_b@example.test")
    assert str(mail["Subject"]) == "【众创空间管理系统】新的待办：填写并提交申报书（鹿城众创空间）"
    assert mail.get_content().startswith("鹿城 Bcc: victim@evil.example：")  # one line, in the body only
    assert all("victim@evil.example" not in rcpt for rcpt, _, _ in smtp.received)


class Refusing(Collector):
    """Refuses one mailbox for good (550) and, while `busy`, every message for now (451)."""

    busy = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("recommender_a@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.busy:
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_refused_mailbox_is_given_up_and_a_busy_server_is_tried_again(app, world):
    from aiosmtpd.controller import Controller

    handler = Refusing()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=controller.port)
    try:
        for name in ("recommender_a", "applicant_a", "applicant_b"):
            notify(world["users"][name], f"新的待办：给{name}", "/tasks/1")
        db.session.commit()
        handler.busy = True
        sweep_once()  # 451: the server's trouble, not the messages': nothing is given up
        assert handler.received == []
        assert not any(n.mail_failed or n.emailed for name in ("applicant_a", "applicant_b")
                       for n in _pending(world, name))
        handler.busy = False
        sweep_once()
        assert handler.subjects("applicant_a@example.test") == ["【众创空间管理系统】新的待办：给applicant_a"]
        assert handler.subjects("applicant_b@example.test") == ["【众创空间管理系统】新的待办：给applicant_b"]
        [refused] = _pending(world, "recommender_a")
        assert refused.mail_failed and not refused.emailed  # 550: given up, not retried
    finally:
        controller.stop()


def test_a_space_name_typed_with_line_breaks_is_kept_on_one_line(login, world):
    application_id = start_application(login("applicant_a"), name="青城\r\n创客空间\t（一期）\u2028")
    application = db.session.get(Application, application_id)
    assert application.space_name == "青城 创客空间 （一期）"
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == application.instance_id))
    fields = with_files(application_fields(space_name="青城创客空间\r\nBcc: victim@evil.example"))
    assert login("applicant_a").post(f"/tasks/{task.id}", fields).status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application_id).space_name == "青城创客空间 Bcc: victim@evil.example"


# ---- 2. the download's Content-Type [low] ------------------------------------------------------------------

def _submitted_attachment(login, world) -> Attachment:
    """The applicant's business licence, stored as an upload is (typed by its content: a PDF)."""
    application = db.session.get(Application, start_application(login("applicant_a")))
    attachment = save_upload(_upload("营业执照.pdf"), kind="legal_entity", kind_label="独立法人的证明（复印件）",
                             user=world["users"]["applicant_a"], application=application)
    db.session.commit()
    assert attachment.content_type == "application/pdf"
    return attachment


@pytest.mark.parametrize("stored_type, name", [
    ("text/html", "data:text/html,<script>alert(1)</script>.pdf"),  # a row from before content sniffing
    ("text/html; charset=utf-8", "营业执照.pdf"),
    ("application/pdf", "营业执照.html"),  # the type is allowed, but not for what the name says
    ("image/svg+xml", "logo.png"),
])
def test_a_download_is_typed_only_from_the_allow_list(login, world, stored_type, name):
    attachment = _submitted_attachment(login, world)
    attachment.content_type, attachment.original_name = stored_type, name
    db.session.commit()
    response = login("applicant_a").get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert not re.search(r"[\x00-\x1f<>,]", disposition.split("filename*=")[1])


def test_a_real_pdf_still_downloads_as_a_pdf_under_its_chinese_name(login, world):
    attachment = _submitted_attachment(login, world)
    response = login("applicant_a").get(f"/attachments/{attachment.id}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf")


# ---- 3. upload files left on disk [low] --------------------------------------------------------------------

def _upload(name: str = "章程.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF), filename=name, content_type="application/pdf")


def _files(app) -> set[str]:
    return {p.name for p in Path(app.config["UPLOAD_DIR"]).iterdir() if p.is_file()}


def _stored_names() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Attachment.stored_name)))


def _two_applicants(app) -> None:
    """Organisation A with two applicant accounts (two colleagues), its unit in an open round."""
    from webapp.rounds.service import open_round

    with app.app_context():
        unit = Unit(code="hohhot", name="呼和浩特市科技局", kind="bureau")
        db.session.add(unit)
        db.session.flush()
        organisation = Organisation(name="青城创客科技有限公司", unit_id=unit.id)
        db.session.add(organisation)
        db.session.flush()
        cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        for username, role in (("a1", "applicant"), ("a2", "applicant"), ("dept", "approver")):
            mine = role == "applicant"
            db.session.add(User(username=username, display_name=username, email=f"{username}@example.test",
                                role=role, password_hash=cheap, organisation_id=organisation.id if mine else None,
                                unit_id=unit.id if mine else None))
        db.session.flush()
        open_round(title="2026年第一批", year=2026, batch=1, opens_on=date(2026, 3, 2), closes_on=date(2026, 12, 31),
                   unit_ids=[unit.id], user=db.session.scalar(select(User).where(User.username == "dept")))
        db.session.commit()


def _at_once(app, monkeypatch, target: str, posts: list) -> list[int]:
    """Run the (browser, url, data) posts in threads that meet at `target` (module:function) first, so
    each has read the same state before either writes."""
    module_name, _, function = target.partition(":")
    module = __import__(module_name, fromlist=[function])
    original = getattr(module, function)
    barrier = threading.Barrier(len(posts), timeout=30)
    met = threading.local()

    def meeting(*args, **kwargs):
        if not getattr(met, "done", False):  # the first call in each thread only: a later one (a retry after
            met.done = True  # losing the race) must not wait for partners that never come
            barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, function, meeting)
    statuses: list[int] = []

    def post(browser, url, data):
        with app.app_context():
            statuses.append(browser.client.post(url, data=data, content_type="multipart/form-data").status_code)

    threads = [threading.Thread(target=post, args=item) for item in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(module, function, original)
    return statuses


def test_the_losing_one_of_two_simultaneous_submits_leaves_no_file(file_app, monkeypatch):
    """Two colleagues submit the same application with its six attachments at the same moment: one
    submission is saved with its files, the other's files are gone from the disk."""
    _two_applicants(file_app)
    with file_app.app_context():
        first, second = Browser(file_app, "a1"), Browser(file_app, "a2")
        task_url = first.post("/applications/new", {"space_name": "青城创客空间"}).headers["Location"]
        posts = [(browser, task_url, {**with_files(application_fields()), "csrf_token": browser.token(task_url)})
                 for browser in (first, second)]
    statuses = _at_once(file_app, monkeypatch, "webapp.inbox.service:claim_blocks", posts)
    assert statuses == [302, 302]
    with file_app.app_context():
        stored = _stored_names()
        assert len(stored) == 6  # one submission's files
        assert _files(file_app) == stored


def test_files_of_a_transaction_that_ends_without_commit_are_removed(app, world):
    """Rolled back, or only closed (a request's teardown, a worker that lost its connection): either
    way the row is not in the database, so neither is the file."""
    application_id = start_application(Browser(app, "applicant_a"))
    for end in ("rollback", "close"):
        with app.app_context():  # a request of its own
            save_upload(_upload(), kind="other", kind_label="其他", user=db.session.get(User, world["users"]["applicant_a"].id),
                        application=db.session.get(Application, application_id))
            assert len(_files(app)) == 1
            if end == "rollback":
                db.session.rollback()
        assert _files(app) == set(), end  # teardown closed the session: nothing committed, nothing kept
    assert _stored_names() == set()


def test_a_commit_whose_reply_was_lost_keeps_its_file(app, world, monkeypatch):
    """The COMMIT reached the database but the reply did not (the probe's crash test): the row is there,
    so its file must stay, even though the request then rolls back what it believes failed."""
    import sqlalchemy.exc

    application = db.session.get(Application, start_application(Browser(app, "applicant_a")))
    attachment = save_upload(_upload(), kind="other", kind_label="其他", user=world["users"]["applicant_a"],
                             application=application)
    stored = attachment.stored_name
    dialect = db.engine.dialect
    real_commit = dialect.do_commit

    def commit_then_lose_the_reply(connection):
        real_commit(connection)
        raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(dialect, "do_commit", commit_then_lose_the_reply)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        db.session.commit()
    monkeypatch.setattr(dialect, "do_commit", real_commit)
    db.session.rollback()
    assert stored in _stored_names() and stored in _files(app)
    assert login_download(app, stored).data == PDF


def login_download(app, stored_name: str):
    attachment_id = db.session.scalar(select(Attachment.id).where(Attachment.stored_name == stored_name))
    return Browser(app, "applicant_a").get(f"/attachments/{attachment_id}")


# ---- 4. GET /notifications changed state [low] ---------------------------------------------------------

def test_reading_notices_changes_nothing_and_marking_them_read_is_a_post(app, login, world):
    applicant = world["users"]["applicant_a"]
    for text in ("新的待办：一", "新的待办：二"):
        notify(applicant, text)
    notify(world["users"]["applicant_b"], "新的待办：别人的")
    db.session.commit()
    browser = login("applicant_a")

    for _ in range(2):  # a prefetch, a crawler, an <img src="/notifications"> on another site
        page = browser.get("/notifications").get_data(as_text=True)
        assert page.count("未读") >= 2 and "全部标为已读" in page
    assert all(n.read_at is None for n in _pending(world, "applicant_a"))

    # a POST without this site's form is refused
    assert browser.post("/notifications/read", {"upto": "999"}, csrf=False).status_code == 400
    assert all(n.read_at is None for n in _pending(world, "applicant_a"))

    first, second = _pending(world, "applicant_a")
    browser.post("/notifications/read", {"notification": str(first.id)}, from_page="/notifications")
    assert [n.read_at is not None for n in _pending(world, "applicant_a")] == [True, False]

    page = browser.get("/notifications").get_data(as_text=True)
    upto = re.search(r'name="upto" value="(\d+)"', page).group(1)
    notify(applicant, "新的待办：三")  # arrives after the page was loaded
    db.session.commit()
    token = browser.token("/notifications")
    assert browser.post("/notifications/read", {"upto": upto, "csrf_token": token}, csrf=False).status_code == 302
    assert [n.read_at is not None for n in _pending(world, "applicant_a")] == [True, True, False]
    assert _pending(world, "applicant_b")[0].read_at is None  # nobody marks another's notices
    other = _pending(world, "applicant_b")[0].id
    browser.post("/notifications/read", {"notification": str(other)}, from_page="/notifications")
    assert _pending(world, "applicant_b")[0].read_at is None
    assert browser.post("/notifications/read", {"notification": str(2**70)}, from_page="/notifications").status_code == 400


# ---- 5. the Server banner [low] ----------------------------------------------------------------------------

def test_the_demo_server_names_neither_werkzeug_nor_python(app):
    from webapp.serve import demo_server

    server = demo_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Server") == "makerspace"
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:  # the handler's own error page
            raw.sendall(b"GET / x HTTP/1.1\r\n\r\n")  # a request line it cannot parse
            reply = raw.recv(4096).decode("latin-1")
        assert reply.startswith("HTTP/1.") and "Server: makerspace\r\n" in reply
        for banner in (response.getheader("Server"), reply):
            assert "Werkzeug" not in banner and "Python" not in banner
    finally:
        server.shutdown()
        server.server_close()


# ---- 6. world-readable database and uploads [low] ----------------------------------------------------------

def test_the_instance_folder_database_and_uploads_are_owner_only(tmp_path):
    previous = os.umask(0o022)  # a usual umask: new files would be readable by every account
    try:
        data = tmp_path / "data"
        data.mkdir()
        database = data / "makerspace.db"
        app = make_app(tmp_path, UPLOAD_DIR=str(data / "uploads"), SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
        with app.app_context():
            db.create_all()
            unit = Unit(code="hohhot", name="呼和浩特市科技局", kind="bureau")
            db.session.add(unit)
            db.session.flush()
            organisation = Organisation(name="青城创客科技有限公司", unit_id=unit.id)
            db.session.add(organisation)
            db.session.flush()
            space = MakerSpace(name="青城创客空间", organisation_id=organisation.id, unit_id=unit.id,
                               certificate_no="NMG-2026-001")
            db.session.add(space)
            db.session.flush()
            attachment = save_upload(_upload(), kind="other", kind_label="其他", user=None, space=space)
            db.session.commit()
            stored = data / "uploads" / attachment.stored_name
    finally:
        os.umask(previous)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(Path(app.instance_path)) & 0o077 == 0
    assert mode(data / "uploads") == 0o700
    assert mode(database) == 0o600
    assert mode(stored) == 0o600


# ---- 7. a double submit of "new application" [low] ---------------------------------------------------------

def _new_application_form(browser) -> dict:
    page = browser.get("/applications/new").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page)  # every hidden field of
    return {"space_name": "青城创客空间", "submission_token": token.group(1) if token else "",  # the form, as sent
            "csrf_token": browser.token("/applications/new")}


def _applications_and_cases() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Application.id))),
            db.session.scalar(select(func.count(ProcessInstance.id)).where(ProcessInstance.subject_type == "application")))


def test_the_same_new_application_form_posted_twice_starts_one_case(login, world):
    browser = login("applicant_a")
    form = _new_application_form(browser)
    first = browser.post("/applications/new", form, csrf=False)
    second = browser.post("/applications/new", form, csrf=False)  # a double click, or back and resubmit
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]  # the same application's first step
    assert _applications_and_cases() == (1, 1)
    assert "这份申报已由同一表单创建" in browser.get(second.headers["Location"]).get_data(as_text=True)
    # a new form is a new application
    assert browser.post("/applications/new", _new_application_form(browser), csrf=False).status_code == 302
    assert _applications_and_cases() == (2, 2)


def test_the_same_new_application_form_posted_twice_at_once_starts_one_case(file_app, monkeypatch):
    _two_applicants(file_app)
    with file_app.app_context():
        first, second = Browser(file_app, "a1"), Browser(file_app, "a1")  # two tabs of one person
        form = _new_application_form(first)
        posts = [(first, "/applications/new", form),
                 (second, "/applications/new", {**form, "csrf_token": second.token("/applications/new")})]
    statuses = _at_once(file_app, monkeypatch, "webapp.rounds.service:round_for", posts)
    assert statuses == [302, 302]
    with file_app.app_context():
        assert _applications_and_cases() == (1, 1)


# ---- 8. a supervisor moving the demo clock [low] -----------------------------------------------------------

def test_in_demo_mode_a_supervisor_sees_the_clock_but_cannot_move_it(app, login, world):
    app.config["DEMO_MODE"] = True
    page = login("supervisor").get("/admin/clock")
    assert page.status_code == 200 and 'name="days"' not in page.get_data(as_text=True)
    # the form's fields, posted with the supervisor's own valid CSRF token (from any page)
    assert login("supervisor").post("/admin/clock", {"days": "30"}, from_page="/").status_code == 403
    assert db.session.get(AppSetting, "clock_offset_seconds") is None
    for mover in ("torch1", "designer"):
        assert 'name="days"' in login(mover).get("/admin/clock").get_data(as_text=True)
        assert login(mover).post("/admin/clock", {"days": "1"}).status_code == 302
    db.session.expire_all()
    assert float(db.session.get(AppSetting, "clock_offset_seconds").value) == timedelta(days=2).total_seconds()
