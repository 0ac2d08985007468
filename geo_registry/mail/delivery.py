"""E-mail: messages are queued in the database (in the same transaction as the change that causes
them), then delivered outside the request by a worker thread (or the send-mail command) over SMTP or, with
no SMTP server configured, written to an outbox folder."""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import threading
import uuid
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import sqlalchemy as sa

from geo_registry.core.instruments import instruments
from geo_registry.core.settings import Settings
from geo_registry.core.text import single_line
from geo_registry.store.tables import mail_outbox as outbox

log = logging.getLogger(__name__)
# A claim older than this belongs to a worker that died mid-delivery; another may take the message.
CLAIM_EXPIRES = timedelta(minutes=15)


@dataclass(frozen=True)
class Message:
    """One e-mail to one recipient."""

    kind: str
    recipient: str
    subject: str
    body: str
    reply_to: str | None = None


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes: an SMTP server, or (host empty) the outbox folder."""

    host: str = ""
    port: int = 25
    tls: str = "none"  # none, starttls or ssl
    user: str = ""
    password: str = ""
    sender: str = "WhatsApp-buurtpreventie <noreply@localhost>"
    outbox: str = "outbox"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSettings:
        """The MAIL_* settings (parsed and typed as the app started)."""
        return cls(
            host=settings.MAIL_HOST,
            port=settings.MAIL_PORT,
            tls=settings.MAIL_TLS,
            user=settings.MAIL_USER,
            password=settings.MAIL_PASSWORD,
            sender=settings.MAIL_SENDER,
            outbox=str(settings.MAIL_OUTBOX),
            timeout=settings.MAIL_TIMEOUT,
        )


def queue(conn: sa.Connection, message: Message) -> int:
    """Queue a message inside the caller's transaction; return its id."""
    instruments().mail_queued.labels(message.kind).inc()
    return conn.execute(
        outbox.insert()
        .values(
            kind=message.kind,
            recipient=message.recipient,
            reply_to=message.reply_to,
            subject=message.subject,
            body=message.body,
            created_at=_now(),
        )
        .returning(outbox.c.id)
    ).scalar_one()


def _now() -> datetime:
    """The current time in UTC, to the second (as every stored time is)."""
    return datetime.now(UTC).replace(microsecond=0)


def _unclaimed():
    """The condition 'no worker holds this message': never claimed, or claimed by one that died (too long ago)."""
    return sa.or_(outbox.c.claimed_by.is_(None), outbox.c.claimed_at < _now() - CLAIM_EXPIRES)


def build_email(settings: MailSettings, message: Message) -> EmailMessage:
    """Build the RFC 5322 message (raises ValueError for one that cannot be built, such as a broken address)."""
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = message.recipient
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    # Cleaned again here: a subject queued before names were cleaned must not stop the message.
    email["Subject"] = single_line(message.subject)
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = make_msgid(domain="geo-registry.local")
    email.set_content(message.body)
    bytes(email)  # serialise once now, so that a message that cannot be written fails here, as unbuildable
    return email


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its attempts-th failed attempt: 1, 2, 4, ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass(frozen=True)
class Failure:
    """A message that was not delivered in one run, and why."""

    id: int
    kind: str
    recipient: str
    reason: str
    permanent: bool  # True: it cannot be built, retrying will not help


class Mailer:
    """Delivers queued messages; a message leaves the queue only once it was handed over. Each message is
    claimed before it is sent, so that it goes out once even with several workers or commands beside each other."""

    def __init__(self, engine: sa.Engine, settings: MailSettings):
        self.engine = engine
        self.settings = settings
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def pending(self) -> list[dict]:
        """Return the messages not yet delivered, oldest first."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(outbox).order_by(outbox.c.id)).mappings()]

    def purge(self, older_than_days: int) -> int:
        """Drop undeliverable messages older than the retention period; return how many."""
        cutoff = _now() - timedelta(days=older_than_days)
        with self.engine.begin() as conn:
            return conn.execute(outbox.delete().where(outbox.c.created_at < cutoff)).rowcount

    def retry_all(self) -> int:
        """Make every waiting message due now, also those set aside as unbuildable; return how many."""
        with self.engine.begin() as conn:
            return conn.execute(outbox.update().values(next_attempt_at=None, failed_at=None)).rowcount

    def deliver(
        self, ids: list[int] | None = None, due_only: bool = False, failures: list[Failure] | None = None
    ) -> tuple[int, int]:
        """Try to deliver queued messages (all, or those ids; due_only: skip those waiting for a retry or set
        aside); return (sent, failed) and add each failure to failures when given."""
        sent = failed = 0
        for row in self._candidates(ids, due_only):
            if not self._claim(row["id"]):
                continue  # another worker has it
            failure = self._deliver_one(row)
            if failure is None:
                sent += 1
                instruments().mail_sent.inc()
                continue
            failed += 1
            instruments().mail_failed.inc()
            if failures is not None:
                failures.append(failure)
        return sent, failed

    def _candidates(self, ids: list[int] | None, due_only: bool) -> list[dict]:
        now = _now()
        query = sa.select(outbox).where(_unclaimed()).order_by(outbox.c.id)
        if due_only:
            query = query.where(
                outbox.c.failed_at.is_(None),
                sa.or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now),
            )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [dict(r) for r in rows if ids is None or r["id"] in ids]

    def _claim(self, message_id: int) -> bool:
        """Take the message for this worker; False when another took it first (checked by the row count)."""
        # One conditional UPDATE, safe on both databases without FOR UPDATE SKIP LOCKED: SQLite lets one writer
        # at a time in, so the second sees the first's claim; PostgreSQL (READ COMMITTED) makes a second UPDATE
        # of the same row wait for the first to commit and then tests the WHERE again against the committed row,
        # which is claimed by then: 0 rows, and that worker goes on with the next message.
        with self.engine.begin() as conn:
            claim = (
                outbox.update()
                .where(outbox.c.id == message_id, _unclaimed())
                .values(claimed_by=self.identity, claimed_at=_now())
            )
            return conn.execute(claim).rowcount == 1

    def _deliver_one(self, row: dict) -> Failure | None:
        message = Message(row["kind"], row["recipient"], row["subject"], row["body"], row["reply_to"])
        try:
            email = build_email(self.settings, message)
        except Exception as exc:  # noqa: BLE001 - whatever stops this one message must not stop the others
            return self._set_aside(row, exc)
        try:
            self._hand_over(email, row["id"])
        except Exception as exc:  # noqa: BLE001 - a refusal, a timeout or a bug: try again later, go on
            return self._retry_later(row, exc)
        # Delivered: the message (and any resident's data in it) is not kept.
        with self.engine.begin() as conn:
            conn.execute(outbox.delete().where(outbox.c.id == row["id"]))
        return None

    def _set_aside(self, row: dict, exc: Exception) -> Failure:
        reason = f"kan niet worden opgebouwd: {exc}"[:500]
        log.warning("E-mail %s cannot be built: %s", row["id"], exc)
        self._release(row["id"], reason, failed_at=_now())
        return Failure(row["id"], row["kind"], row["recipient"], reason, permanent=True)

    def _retry_later(self, row: dict, exc: Exception) -> Failure:
        reason = (str(exc) or type(exc).__name__)[:500]
        log.warning("E-mail %s not delivered: %s", row["id"], reason)
        self._release(row["id"], reason, next_attempt_at=_now() + retry_delay(row["attempts"] + 1))
        return Failure(row["id"], row["kind"], row["recipient"], reason, permanent=False)

    def _release(
        self,
        message_id: int,
        reason: str,
        failed_at: datetime | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                outbox.update()
                .where(outbox.c.id == message_id)
                .values(
                    attempts=outbox.c.attempts + 1,
                    last_error=reason,
                    failed_at=failed_at,
                    next_attempt_at=next_attempt_at,
                    claimed_by=None,
                    claimed_at=None,
                )
            )

    def _hand_over(self, email: EmailMessage, message_id: int) -> None:
        settings = self.settings
        if not settings.host:
            folder = Path(settings.outbox)
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            final = folder / f"{stamp}-{message_id:06d}.eml"
            # Written under another name and then renamed: whoever reads the folder never sees half a message, and
            # a write that fails (a full disk) leaves no .eml behind; the message is tried again later.
            partial = final.with_name(f".{final.name}.part")
            try:
                partial.write_bytes(bytes(email))
                os.replace(partial, final)
            finally:
                partial.unlink(missing_ok=True)
            return
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if settings.tls == "ssl":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.tls == "starttls":
                client.starttls(context=context)
            if settings.user:
                client.login(settings.user, settings.password)
            client.send_message(email)


class DeliveryWorker:
    """A thread that delivers queued mail: at once when woken (a request queued a message), and every
    poll_seconds for messages waiting for a retry. Requests never wait for an SMTP server."""

    running: weakref.WeakSet[DeliveryWorker] = weakref.WeakSet()  # so a test session can stop them all

    def __init__(self, mailer: Mailer, poll_seconds: float = 30.0, retention_days: int = 14, chores=()):
        self.mailer = mailer
        self.chores = list(chores)  # more clean-ups to run on each pass, such as purging expired requests
        self.poll_seconds = poll_seconds
        self.retention_days = retention_days
        self._wakeup = threading.Event()
        self._stopping = False
        self._passes = threading.Condition()
        self._started = self._finished = 0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> DeliveryWorker:
        """Start the thread once; its first pass delivers whatever was waiting."""
        with self._lock:
            if self._thread is None:
                self._wakeup.set()
                self._thread = threading.Thread(target=self._run, name="mail-delivery", daemon=True)
                self._thread.start()
                DeliveryWorker.running.add(self)
        return self

    def wake(self) -> None:
        """Deliver soon: a message was queued (call after its transaction committed)."""
        self.start()
        self._wakeup.set()

    def flush(self, timeout: float = 15.0) -> bool:
        """Wait until a pass that began after this call has finished; False when it did not in time."""
        with self._passes:
            target = self._started + 1
        self.wake()
        with self._passes:
            return self._passes.wait_for(lambda: self._finished >= target, timeout)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop after the current message (a daemon thread stuck on a dead server is left behind)."""
        self._stopping = True
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)
        DeliveryWorker.running.discard(self)

    def _run(self) -> None:
        while True:
            self._wakeup.wait(self.poll_seconds)
            self._wakeup.clear()
            if self._stopping:
                return
            with self._passes:
                self._started += 1
            try:
                self.mailer.purge(self.retention_days)
                self.mailer.deliver(due_only=True)
                for chore in self.chores:  # after delivery: a chore that fails must not hold up the mail
                    chore()
            except Exception:  # noqa: BLE001 - e.g. the database is locked a while: the next pass tries again
                log.exception("Mail delivery pass failed")
            with self._passes:
                self._finished += 1
                self._passes.notify_all()
