"""E-mail: messages are queued in the database (in the same transaction as the change that causes
them), then delivered outside the request by the worker process (`geo-registry worker`, or the send-mail command)
over SMTP or, with no SMTP server configured, written to an outbox folder. A message is never handed over twice
because a process died: its Message-ID is recorded before it leaves, an outbox file is named after it, and a send
that may have happened before the sender died is logged as a possible repeat and sent with the same Message-ID."""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

import sqlalchemy as sa

from geo_registry.core import processes
from geo_registry.core.instruments import instruments
from geo_registry.core.settings import Settings
from geo_registry.core.text import single_line
from geo_registry.store.tables import mail_outbox as outbox

log = logging.getLogger(__name__)
# A claim older than this belongs to a worker that died mid-delivery; another may take the message. A claim by a
# process on this host that has stopped is released at once instead (release_stopped_claims).
CLAIM_EXPIRES = timedelta(minutes=15)
MESSAGE_ID_DOMAIN = "geo-registry.local"


@dataclass(frozen=True)
class Message:
    """One e-mail to one recipient."""

    kind: str
    recipient: str
    subject: str
    body: str
    reply_to: str | None = None
    # The From name when it is not MAIL_SENDER's: the municipality the message speaks for (revision 0019).
    sender_name: str | None = None


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
            sender_name=message.sender_name,
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


def build_email(settings: MailSettings, message: Message, message_id: str | None = None) -> EmailMessage:
    """Build the RFC 5322 message with message_id (a new one when None); raises ValueError for one that cannot be
    built, such as a broken address."""
    email = EmailMessage()
    email["From"] = sender(settings, message)
    email["To"] = message.recipient
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    # Cleaned again here: a subject queued before names were cleaned must not stop the message.
    email["Subject"] = single_line(message.subject)
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = message_id or make_msgid(domain=MESSAGE_ID_DOMAIN)
    email.set_content(message.body)
    bytes(email)  # serialise once now, so that a message that cannot be written fails here, as unbuildable
    return email


def sender(settings: MailSettings, message: Message) -> str:
    """The From header: MAIL_SENDER, or its address under the message's own name (one line, quoted as needed)."""
    if not message.sender_name:
        return settings.sender
    return formataddr((single_line(message.sender_name), parseaddr(settings.sender)[1]))


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
        self.identity = processes.identity()  # host:pid:start: a claim of a stopped process here can be released

    def pending(self) -> list[dict]:
        """Return the messages not yet delivered, oldest first."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(outbox).order_by(outbox.c.id)).mappings()]

    def purge(self, older_than_days: int) -> int:
        """Drop undeliverable messages older than the retention period; return how many."""
        cutoff = _now() - timedelta(days=older_than_days)
        with self.engine.begin() as conn:
            return conn.execute(outbox.delete().where(outbox.c.created_at < cutoff)).rowcount

    def retry_all(self, ids: list[int] | None = None) -> int:
        """Make every waiting message (None), or those of these ids, due now, also those set aside as
        unbuildable; return how many."""
        update = outbox.update().values(next_attempt_at=None, failed_at=None)
        if ids is not None:
            update = update.where(outbox.c.id.in_(ids))
        with self.engine.begin() as conn:
            return conn.execute(update).rowcount

    def release_stopped_claims(self) -> int:
        """Free the messages claimed by processes on this host that have stopped (killed mid-delivery), so that
        they go out now rather than when the claim expires; return how many."""
        with self.engine.connect() as conn:
            holders = conn.execute(sa.select(outbox.c.claimed_by).where(outbox.c.claimed_by.isnot(None)).distinct())
            stopped = [h for h in holders.scalars() if processes.has_stopped(h)]
        released = 0
        for holder in stopped:
            with self.engine.begin() as conn:
                free = outbox.update().where(outbox.c.claimed_by == holder).values(claimed_by=None, claimed_at=None)
                count = conn.execute(free).rowcount
            log.warning("Released %d e-mail(s) claimed by %s, a process that has stopped", count, holder)
            released += count
        return released

    def deliver(
        self,
        ids: list[int] | None = None,
        due_only: bool = False,
        failures: list[Failure] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> tuple[int, int]:
        """Try to deliver queued messages (all, or those ids; due_only: skip those waiting for a retry or set
        aside); return (sent, failed) and add each failure to failures when given. stop() true: end after the
        message under way (the worker was asked to stop)."""
        self.release_stopped_claims()
        sent = failed = 0
        for candidate in self._candidates(ids, due_only):
            if stop is not None and stop():
                break
            row = self._claim_row(candidate["id"])
            if row is None:
                continue  # another worker has it, or it is gone
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
        query = sa.select(outbox.c.id).where(_unclaimed()).order_by(outbox.c.id)
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

    def _claim_row(self, message_id: int) -> dict | None:
        """Claim the message and return it as it is now (a worker before may have recorded its Message-ID)."""
        if not self._claim(message_id):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(outbox).where(outbox.c.id == message_id)).mappings().first()
        return dict(row) if row is not None else None

    def _deliver_one(self, row: dict) -> Failure | None:
        message = Message(
            row["kind"], row["recipient"], row["subject"], row["body"], row["reply_to"], row.get("sender_name")
        )
        message_id = row["message_id"] or make_msgid(domain=MESSAGE_ID_DOMAIN)
        try:
            email = build_email(self.settings, message, message_id)
        except Exception as exc:  # noqa: BLE001 - whatever stops this one message must not stop the others
            return self._set_aside(row, exc)
        try:
            self._handing_over(row, message_id)
            self._hand_over(email, row)
        except Exception as exc:  # noqa: BLE001 - a refusal, a timeout or a bug: try again later, go on
            return self._retry_later(row, exc)
        # Delivered: the message (and any resident's data in it) is not kept.
        with self.engine.begin() as conn:
            conn.execute(outbox.delete().where(outbox.c.id == row["id"]))
        return None

    def _handing_over(self, row: dict, message_id: str) -> None:
        """Record the Message-ID and the moment before the message leaves: if this process dies before the row is
        deleted, the next worker knows the message may have gone, and under which Message-ID."""
        with self.engine.begin() as conn:
            conn.execute(
                outbox.update()
                .where(outbox.c.id == row["id"], outbox.c.claimed_by == self.identity)
                .values(message_id=message_id, handing_over_at=_now())
            )

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
                    handing_over_at=None,  # this attempt ended (failed): it did not leave half-way
                )
            )

    def _hand_over(self, email: EmailMessage, row: dict) -> None:
        if not self.settings.host:
            self._write_to_outbox(email, row)
            return
        if row["handing_over_at"] is not None:
            # The worker before us recorded this Message-ID, began to send and stopped before it could note the
            # outcome: the server may have the message already. Sent again under the same Message-ID, so that a
            # receiving server (or the recipient's mail program) can tell the two apart as one message.
            log.warning(
                "E-mail %s may be a repeat: a worker began sending it at %s and stopped before it was marked sent;"
                " sending it again with the same Message-ID %s",
                row["id"],
                row["handing_over_at"].isoformat(),
                email["Message-ID"],
            )
        self._send_smtp(email)

    def _write_to_outbox(self, email: EmailMessage, row: dict) -> None:
        folder = Path(self.settings.outbox)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / outbox_file_name(row["id"], row["created_at"], email["Message-ID"])
        if final.exists():  # written by a worker that stopped before it could mark the message done
            log.info("E-mail %s was already written to %s; marked done", row["id"], final.name)
            return
        # Written under another name and then renamed: whoever reads the folder never sees half a message, and
        # a write that fails (a full disk) leaves no .eml behind; the message is tried again later.
        partial = final.with_name(f".{final.name}.part")
        try:
            partial.write_bytes(bytes(email))
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)

    def _send_smtp(self, email: EmailMessage) -> None:
        settings = self.settings
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


def outbox_file_name(row_id: int, created_at: datetime, message_id: str) -> str:
    """The outbox file of one message, the same on every attempt: when it was queued (so the folder sorts in
    order), its queue id, and a digest of its Message-ID (a queue id alone may come back in a new database)."""
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    return f"{created_at.astimezone(UTC):%Y%m%dT%H%M%S}-{row_id:06d}-{digest}.eml"
