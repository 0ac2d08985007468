"""E-mail: messages are queued in the database (in the same transaction as the change that causes
them), then delivered over SMTP or, with no SMTP server configured, written to an outbox folder."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import sqlalchemy as sa


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
    def from_config(cls, config) -> "MailSettings":
        """Read the MAIL_* settings."""
        return cls(host=config.get("MAIL_HOST") or "", port=int(config.get("MAIL_PORT") or 25),
                   tls=str(config.get("MAIL_TLS") or "none").lower(), user=config.get("MAIL_USER") or "",
                   password=config.get("MAIL_PASSWORD") or "", sender=config["MAIL_SENDER"],
                   outbox=config["MAIL_OUTBOX"], timeout=float(config.get("MAIL_TIMEOUT") or 10))


def queue(conn: sa.Connection, message: Message) -> int:
    """Queue a message inside the caller's transaction; return its id."""
    return conn.execute(sa.text(
        "INSERT INTO mail_outbox (kind, recipient, reply_to, subject, body, created_at)"
        " VALUES (:kind, :recipient, :reply_to, :subject, :body, :created_at)"),
        {"kind": message.kind, "recipient": message.recipient, "reply_to": message.reply_to,
         "subject": message.subject, "body": message.body,
         "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}).lastrowid


def build_email(settings: MailSettings, message: Message) -> EmailMessage:
    """Build the RFC 5322 message."""
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = message.recipient
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(timezone.utc))
    email["Message-ID"] = make_msgid(domain="geo-registry.local")
    email.set_content(message.body)
    return email


class Mailer:
    """Delivers queued messages; a message leaves the queue only once it was handed over."""

    def __init__(self, engine: sa.Engine, settings: MailSettings):
        self.engine = engine
        self.settings = settings

    def pending(self) -> list[dict]:
        """Return the messages not yet delivered, oldest first."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text("SELECT * FROM mail_outbox ORDER BY id")).mappings()]

    def purge(self, older_than_days: int) -> int:
        """Drop undeliverable messages older than the retention period; return how many."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=older_than_days)).replace(microsecond=0).isoformat()
        with self.engine.begin() as conn:
            return conn.execute(sa.text("DELETE FROM mail_outbox WHERE created_at < :c"), {"c": cutoff}).rowcount

    def deliver(self, ids: list[int] | None = None) -> tuple[int, int]:
        """Try to deliver queued messages (all, or those ids); return (sent, failed)."""
        sent = failed = 0
        for row in self.pending():
            if ids is not None and row["id"] not in ids:
                continue
            message = Message(row["kind"], row["recipient"], row["subject"], row["body"], row["reply_to"])
            try:
                self._hand_over(build_email(self.settings, message), row["id"])
            except (OSError, smtplib.SMTPException) as exc:
                failed += 1
                with self.engine.begin() as conn:
                    conn.execute(sa.text("UPDATE mail_outbox SET attempts = attempts + 1, last_error = :e"
                                         " WHERE id = :id"), {"e": str(exc)[:500], "id": row["id"]})
                continue
            sent += 1
            # Delivered: the message (and any resident's data in it) is not kept.
            with self.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM mail_outbox WHERE id = :id"), {"id": row["id"]})
        return sent, failed

    def _hand_over(self, email: EmailMessage, message_id: int) -> None:
        settings = self.settings
        if not settings.host:
            folder = Path(settings.outbox)
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            (folder / f"{stamp}-{message_id:06d}.eml").write_bytes(bytes(email))
            return
        context = ssl.create_default_context()
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
