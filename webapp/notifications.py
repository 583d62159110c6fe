"""In-app notices, and e-mail through an outbox that the sweeper drains after commits."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import unicodedata
from email.headerregistry import Address
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import insert, literal, select, union_all, update
from sqlalchemy.exc import DBAPIError

from webapp.clock import clock
from webapp.engine.sandbox import deadline_day
from webapp.engine.sentences import ended, sentences, tidy
from webapp.extensions import db
from webapp.models import HumanTask, Notification, User

log = logging.getLogger(__name__)
NOTICE_BATCH = 100  # new steps whose notices one INSERT … SELECT writes


def notify(user: User, text: str, link: str = "") -> None:
    # tidy: a reason or comment that ends its own sentence, joined by a caller's 。 or ；, reads with one mark;
    # ended: a notice is read on its own, as a whole sentence ("…运营机构变更为 X（已备案）" ends with 。 too)
    db.session.add(Notification(user_id=user.id, text=tidy(ended(text))[:500], link=link, created_at=clock.now()))


def notify_new_tasks(rows: list[HumanTask], because: dict[int, str] | None = None) -> None:
    """Tell everyone a new task waits on: which step, for which case, why it opened (the diagram's
    `openedBecause`, e.g. a return and its reasons) and by when. One INSERT … SELECT per hundred new steps
    (nearly always one): the people are found by the statement that writes their notices (a group's step
    tells every member)."""
    from webapp.access import recipients_of

    now, notices = clock.now(), []
    for row in rows:
        conditions = recipients_of(row)
        if conditions is None:
            continue
        # The case by its name in 「」: a name may hold brackets of its own (青城创客空间（二期）), which in
        # another pair read （…（二期））. Every sentence ends, the last too.
        text = tidy(ended(sentences(f"新的待办：{_of_case(row.instance.subject_title, row.title)}",
                                    (because or {}).get(row.id, ""),
                                    f"办理期限：{deadline_day(row.due_at)}" if row.due_at else "")))
        notices.append(select(User.id, _value(text[:500], Notification.text), _value(f"/tasks/{row.id}", Notification.link),
                              _value(now, Notification.created_at), _value(False, Notification.emailed),
                              _value(False, Notification.mail_failed)).where(*conditions))
    # In batches: SQLite refuses a compound SELECT of more than 500 terms (a step opened for a crowd).
    for start in range(0, len(notices), NOTICE_BATCH):
        batch = notices[start:start + NOTICE_BATCH]
        # Every column given: a UNION cannot have the model's defaults added to it.
        db.session.execute(insert(Notification).from_select(
            ["user_id", "text", "link", "created_at", "emailed", "mail_failed"],
            batch[0] if len(batch) == 1 else union_all(*batch), include_defaults=False))


def _value(value, column):
    """A value selected into `column`, bound as that column's type (the app's UTC datetimes stay as it stores
    them; a CAST would not do: SQLite's CAST to DATETIME keeps only the year)."""
    return literal(value, column.type)


def send_due_reminders(now, limit: int = 500) -> int:
    """Remind the people a task waits on, once, when its `remind_at` has come (found by index). Each task
    is claimed and reminded in a transaction of its own (committed here), so several sweepers never remind
    twice and one task that fails to remind holds up none of the others. Returns how many were reminded.

    A reminder waits while its case has a timer due that has not fired yet (another sweeper holds the case and
    is firing it, or this sweep could not): that timer may close the step or end the case, and the reminder would
    tell people to do what the case no longer asks of them. It goes at a later sweep, once the timer has run."""
    from webapp.models import ProcessInstance

    reminded = 0
    due = due_reminders(now, limit)
    held = set(db.session.scalars(select(HumanTask.id).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                                  .where(HumanTask.id.in_(due), ProcessInstance.next_timer_at <= now))) if due else set()
    for task_id in (task_id for task_id in due if task_id not in held):
        try:
            if remind_task(task_id, now):
                reminded += 1
            db.session.commit()
        except DBAPIError:
            db.session.rollback()  # the database, not this task: the rest wait for the next sweep too
            raise
        except Exception:
            db.session.rollback()  # the claim too: the reminder is tried again next sweep
            log.exception("reminding the people task %s waits on failed", task_id)
    return reminded


def due_reminders(now, limit: int = 500) -> list[int]:
    """Ids of the open tasks whose reminder is due, earliest first; only a list: `remind_task` claims."""
    return list(db.session.scalars(select(HumanTask.id).where(
        HumanTask.status == "open", HumanTask.remind_at.is_not(None), HumanTask.remind_at <= now)
        .order_by(HumanTask.remind_at, HumanTask.id).limit(limit)))


def remind_task(task_id: int, now) -> bool:
    """Claim the task's due reminder and, only if this caller won it, add the notices (neither committed).
    The claim is a conditional UPDATE, which works alike on PostgreSQL and SQLite: a second sweeper (or one
    holding a stale list) blocks on the row or finds `remind_at` already cleared and updates nothing.
    HumanTask has no version column, so reading the row and clearing it through the ORM would not do."""
    from webapp.access import users_for_task

    claimed = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == "open", HumanTask.remind_at.is_not(None),
               HumanTask.remind_at <= now)
        .values(remind_at=None)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    row = db.session.get(HumanTask, task_id, populate_existing=True)  # as claimed, not as read before
    # A reminder sent late (the sweeper was down, the demo clock jumped) says the deadline has passed, not
    # that it is still to come.
    when = (f"已于 {deadline_day(row.due_at)} 到期，已逾期，请尽快办理。" if row.due_at is not None and row.due_at <= now
            else f"将于 {deadline_day(row.due_at)} 到期，请及时办理。")
    for user in users_for_task(row) if row.claimed_by_id is None else [row.claimed_by]:
        notify(user, f"办理提醒：{_of_case(row.instance.subject_title, row.title)}{when}", f"/tasks/{row.id}")
    return True


def _of_case(subject: str, step: str) -> str:
    """A step of a case as the notices name it: 「青城创客空间（二期）」的材料完整性审核 (the step alone without a name)."""
    return f"「{subject}」的{step}" if subject else step


def send_pending_mail(limit: int = 100) -> int:
    """Send e-mail for notifications not yet mailed (only when a mail host is configured), oldest first.
    Owns its transactions: call it only from the sweeper, never inside a user's request.

    One bad message never holds up the others: each is built and sent on its own; one that can never go
    (an invalid address, a refusal with a 5xx code, a header that cannot be built) is marked `mail_failed`
    and logged; a transient fault (the server unreachable, a 4xx reply, a dropped connection) ends the
    batch, leaving the rest for the next sweep. So does every fault in making the connection safe (no
    STARTTLS, an untrusted certificate, a refused log-in): the settings' or the server's, never a message's.
    Several sweepers may drain the outbox at once: each message is claimed (committed) before it is sent, and
    the claim is given back when it did not go, so no mail goes out twice. Raises nothing for mail faults."""
    host = current_app.config.get("MAIL_HOST")
    if not host:
        return 0
    sender = mail_address(current_app.config["MAIL_SENDER"])
    if sender is None:  # a configuration fault: no message is to blame, so none is marked failed
        log.error("MAIL_SENDER is not a valid address; no mail is sent")
        return 0
    pending = db.session.execute(
        select(Notification.id, User.id)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed.is_(False), Notification.mail_failed.is_(False), User.email.is_not(None))
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    sent = 0
    port = current_app.config["MAIL_PORT"]
    # Every fault of the connection itself is the server's or the settings', never a message's: the batch
    # stops before anything is sent and nothing is marked failed, so the outbox goes out once it is fixed.
    try:
        smtp = open_mail_connection(current_app.config)
    except MailSettingsError as exc:
        log.error("mail settings: %s; no mail is sent", exc)
        return 0
    except ssl.SSLError as exc:  # a certificate not trusted or not for this host, a failed handshake
        log.error("TLS with mail server %s:%s failed (%s); nothing is sent, the outbox waits for the next "
                  "sweep", host, port, exc)
        return 0
    except smtplib.SMTPAuthenticationError as exc:
        log.error("mail server %s:%s refused the log-in of MAKERSPACE_MAIL_USERNAME (%s); nothing is sent, "
                  "the outbox waits for the next sweep", host, port, exc.smtp_code)
        return 0
    except MailTransportError as exc:
        log.error("mail server %s:%s %s; nothing is sent, the outbox waits for the next sweep",
                  host, port, exc)
        return 0
    except OSError as exc:  # refused, timed out, dropped, an SMTP error reply during the greeting
        log.warning("mail server %s not reachable (%s); the outbox waits for the next sweep", host, exc)
        return 0
    try:
        for notification_id, user_id in pending:
            if not _claim_mail(notification_id):
                continue  # another sweeper has sent it, or is sending it now
            notification, user = db.session.get(Notification, notification_id), db.session.get(User, user_id)
            outcome = _send_one(smtp, sender, notification, user)
            if outcome == _SENT:
                sent += 1
                continue
            # Not sent: give the claim back (to wait for the next sweep) or give the message up.
            _release_mail(notification_id, failed=outcome == _FAILED)
            if outcome == _RETRY_LATER:
                break
    finally:
        try:
            smtp.quit()
        except OSError:  # the connection is already gone: nothing left to close politely
            smtp.close()
    return sent


def _claim_mail(notification_id: int) -> bool:
    """Mark one notification mailed before it is sent, committed, so that no other sweeper sends it too (a
    conditional UPDATE: alike on PostgreSQL and SQLite, and Notification has no version column). True when
    this caller won it. A crash between this and the send loses that one mail rather than sending it twice."""
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.emailed.is_(False),
               Notification.mail_failed.is_(False))
        .values(emailed=True)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def _release_mail(notification_id: int, failed: bool) -> None:
    """Undo the claim of a mail that did not go: back to the outbox, or given up for good (`failed`)."""
    db.session.execute(
        update(Notification).where(Notification.id == notification_id)
        .values(emailed=False, mail_failed=failed)
        .execution_options(synchronize_session=False))
    db.session.commit()


_SENT, _FAILED, _DEFERRED, _RETRY_LATER = "sent", "failed", "deferred", "retry later"
MAIL_SECURITY_MODES = ("none", "starttls", "tls")
# 530 answers a session that has not logged in or not started TLS (RFC 4954, RFC 3207): the settings' fault,
# the same for every message, so never a reason to give one up.
_NOT_AUTHORISED = 530
_plain_login_warned = False


class MailSettingsError(Exception):
    """The mail settings contradict each other or name a file that cannot be read."""


class MailTransportError(Exception):
    """The mail server cannot give the connection the settings require (no STARTTLS, no AUTH)."""


def open_mail_connection(config) -> smtplib.SMTP:
    """A connection to MAIL_HOST, secured and logged in as MAIL_SECURITY, MAIL_CA_FILE and MAIL_USERNAME /
    MAIL_PASSWORD say. "starttls" and "tls" check the certificate and the host name against the system's
    trust store (plus MAIL_CA_FILE) and never fall back to plain text; unset or "none" is plain, as before,
    and logs in (with a warning) only when "none" was chosen explicitly. Raises MailSettingsError,
    MailTransportError, ssl.SSLError, smtplib.SMTPAuthenticationError or another OSError."""
    host, port = config["MAIL_HOST"], config["MAIL_PORT"]
    chosen = (config.get("MAIL_SECURITY") or "").strip().lower()
    security = chosen or "none"
    username, password = config.get("MAIL_USERNAME") or "", config.get("MAIL_PASSWORD") or ""
    if security not in MAIL_SECURITY_MODES:
        raise MailSettingsError(f"MAKERSPACE_MAIL_SECURITY={chosen!r} is none of "
                                f"{', '.join(MAIL_SECURITY_MODES)}")
    if username and not chosen:
        raise MailSettingsError("MAKERSPACE_MAIL_USERNAME is set but MAKERSPACE_MAIL_SECURITY is not, so the "
                                "password would cross the network in plain text; set it to starttls or tls "
                                "(or to none to accept that)")
    context = _tls_context(config.get("MAIL_CA_FILE") or "") if security != "none" else None
    if security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=10, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=10)
    try:
        if security == "starttls":
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("starttls"):  # a stripped STARTTLS looks the same: never go on in plain
                raise MailTransportError(
                    "does not offer STARTTLS, which MAKERSPACE_MAIL_SECURITY=starttls requires")
            try:
                smtp.starttls(context=context)
            except smtplib.SMTPResponseException as exc:  # e.g. 454 TLS not available: not in plain either
                raise MailTransportError(f"refused STARTTLS ({exc.smtp_code})") from exc
            smtp.ehlo()  # what the server offers may differ once encrypted (AUTH often appears only now)
        if username:
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("auth"):
                raise MailTransportError("offers no log-in (AUTH), but MAKERSPACE_MAIL_USERNAME is set")
            if security == "none":
                _warn_plain_login(host)
            smtp.login(username, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _tls_context(ca_file: str) -> ssl.SSLContext:
    """Certificates checked against the system's trust store, and also MAIL_CA_FILE (e.g. an internal CA);
    TLS 1.2 at least."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except OSError as exc:  # missing, unreadable, or no certificate in it (ssl.SSLError)
            raise MailSettingsError(
                f"MAKERSPACE_MAIL_CA_FILE {ca_file} cannot be read as PEM certificates ({exc})") from exc
    return context


def _warn_plain_login(host: str) -> None:
    global _plain_login_warned
    if not _plain_login_warned:  # once per process: the operator chose this, a warning per sweep is noise
        _plain_login_warned = True
        log.warning("logging in to mail server %s without TLS (MAKERSPACE_MAIL_SECURITY=none): the password "
                    "and every message cross the network in plain text", host)


def _send_one(smtp: smtplib.SMTP, sender: Address, notification: Notification, user: User) -> str:
    """Build and send one notification's mail; say what became of it (logged by id, not by address)."""
    recipient = mail_address(user.email)
    if recipient is None:
        log.warning("notification %s: user %s has no valid e-mail address; not mailed", notification.id, user.id)
        return _FAILED
    try:
        message = build_message(sender, recipient, notification, user)
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if _NOT_AUTHORISED in codes:
            log.error("mail server wants a log-in or TLS first (530); the outbox waits for the next sweep")
            return _RETRY_LATER
        if all(code >= 500 for code in codes):
            log.warning("notification %s: the mail server refused the recipient (%s)", notification.id, codes)
            return _FAILED
        log.info("notification %s: recipient deferred (%s); tried again next sweep", notification.id, codes)
        return _DEFERRED  # e.g. a full mailbox: the others go on, this one waits for the next sweep
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code == _NOT_AUTHORISED:
            log.error("mail server wants a log-in or TLS first (530); the outbox waits for the next sweep")
            return _RETRY_LATER
        if exc.smtp_code >= 500:
            log.warning("notification %s: the mail server refused the message (%s)", notification.id, exc.smtp_code)
            return _FAILED
        log.warning("mail server answered %s; the outbox waits for the next sweep", exc.smtp_code)
        return _RETRY_LATER
    except smtplib.SMTPNotSupportedError:  # e.g. an address needing SMTPUTF8, which the server lacks
        log.warning("notification %s: the mail server cannot carry this message", notification.id)
        return _FAILED
    except OSError as exc:  # disconnected, timed out: the server, not this message
        log.warning("mail server connection lost (%s); the outbox waits for the next sweep", exc)
        return _RETRY_LATER
    except Exception:  # the message itself could not be built or encoded: it never will be
        log.exception("notification %s could not be mailed", notification.id)
        return _FAILED
    return _SENT


def build_message(sender: Address, recipient: Address, notification: Notification, user: User) -> EmailMessage:
    """The mail of one notification. Every header value is one clean line (no CR/LF or other control
    characters), set through email.message, which encodes Chinese as RFC 2047 words."""
    first_sentence = header_text(notification.text).split("。")[0]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "【众创空间管理系统】" + first_sentence[:60]  # the rest is in the body
    message.set_content(f"{header_text(user.display_name)}：\n\n{notification.text}\n{header_text(notification.link)}\n")
    return message


_CONTROL_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}  # control and format characters, line/paragraph separators
# A plain addr-spec: no display name, comments, quoting, whitespace or control characters.
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_NAMED = re.compile(r"(?P<name>[^<>]*)<(?P<addr>[^<>]+)>")  # 名称 <noreply@…>


def header_text(value: str | None) -> str:
    """`value` as one line fit for a mail header: line breaks, tabs and other control or format
    characters become spaces, runs of spaces one."""
    cleaned = "".join(" " if unicodedata.category(ch) in _CONTROL_CATEGORIES else ch for ch in value or "")
    return " ".join(cleaned.split())


def mail_address(value: str | None) -> Address | None:
    """A valid recipient or sender: an `Address` (a display name allowed, as in MAIL_SENDER's
    `名称 <noreply@…>`), or None. An address holding CR/LF or any other control character is refused
    whole, never repaired into a different address."""
    if not value or any(unicodedata.category(ch) in _CONTROL_CATEGORIES for ch in value):
        return None
    match = _NAMED.fullmatch(value.strip())
    name, addr_spec = (match["name"].strip().strip('"'), match["addr"].strip()) if match else ("", value.strip())
    if not _ADDRESS.match(addr_spec) or len(addr_spec) > 254:
        return None
    try:
        return Address(display_name=name, addr_spec=addr_spec)
    except (ValueError, IndexError):
        return None
