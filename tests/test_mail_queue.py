"""The mail queue's promises (geo_registry/mail/delivery.py), on a real SQLite database and a real SMTP server:
a message that was not delivered stays queued with its attempt counted and its reason, waits 1, 2, 4, ... minutes
before it is tried again (or is set aside when it cannot be built), and is free again for the next worker."""

from __future__ import annotations

import logging
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fakes import FakeSMTP

from geo_registry.mail.delivery import Failure, Mailer, MailSettings, Message, build_email, queue

GOOD = Message("aanmelding-lid", "bo@voorbeeld.invalid", "Aanmelding", "Hallo")
# A recipient with a line break cannot go into a header: the message cannot be built.
BROKEN = Message("aanmelding-lid", "kapot@voorbeeld.invalid\r\nBcc: iedereen@voorbeeld.invalid", "Kapot", "b")


@pytest.fixture
def refusing_smtp():
    """A real SMTP server that answers every message with a temporary refusal (451)."""
    with FakeSMTP() as server:
        server.fail = True
        yield server


def put(engine, *messages) -> list[int]:
    """Queue messages as a request does, in one transaction; return their ids."""
    with engine.begin() as conn:
        return [queue(conn, message) for message in messages]


def row(mailer: Mailer, message_id: int) -> dict:
    """The queued message with this id."""
    return next(r for r in mailer.pending() if r["id"] == message_id)


def moment(value: datetime) -> datetime:
    """A stored time as the queue gives it back: an aware datetime in UTC."""
    assert isinstance(value, datetime) and value.utcoffset() == timedelta(0), value
    return value


def test_a_refused_message_stays_queued_and_waits_longer_after_each_attempt(sqlite_register, refusing_smtp, caplog):
    """Refused by the server: the caller hears which message, to whom and why (not permanent); the message waits
    1 minute after the first attempt and 2 after the second, and a due-only pass leaves it alone meanwhile."""
    [message_id] = put(sqlite_register, GOOD)
    mailer = Mailer(sqlite_register, MailSettings(host="127.0.0.1", port=refusing_smtp.port))
    failures: list[Failure] = []
    before = datetime.now(UTC).replace(microsecond=0)
    with caplog.at_level(logging.WARNING, logger="geo_registry.mail.delivery"):
        assert mailer.deliver(failures=failures) == (0, 1)
    after = datetime.now(UTC)
    [failure] = failures
    assert failure == Failure(message_id, "aanmelding-lid", "bo@voorbeeld.invalid", failure.reason, permanent=False)
    assert "451" in failure.reason and "Tijdelijk niet beschikbaar" in failure.reason
    # The operator's log names the message and the reason.
    assert any(r.getMessage().endswith(f" {message_id} not delivered: {failure.reason}") for r in caplog.records)
    first = row(mailer, message_id)
    assert (first["attempts"], first["last_error"], first["failed_at"]) == (1, failure.reason, None)
    assert before + timedelta(minutes=1) <= moment(first["next_attempt_at"]) <= after + timedelta(minutes=1)
    assert mailer.deliver(due_only=True) == (0, 0)  # not due yet: not tried on the next pass

    before = datetime.now(UTC).replace(microsecond=0)
    assert mailer.deliver() == (0, 1)  # "send now" tries it anyway
    after = datetime.now(UTC)
    second = row(mailer, message_id)
    assert second["attempts"] == 2
    assert before + timedelta(minutes=2) <= moment(second["next_attempt_at"]) <= after + timedelta(minutes=2)

    refusing_smtp.fail = False
    assert mailer.deliver() == (1, 0)
    assert mailer.pending() == []
    assert [m["To"] for m in refusing_smtp.messages] == ["bo@voorbeeld.invalid"]


def test_a_message_that_cannot_be_built_is_set_aside_until_staff_retry_it(sqlite_register, tmp_path, caplog):
    """An unbuildable message is reported as permanent (with its recipient), not retried by the worker's passes,
    and goes again only once staff ask for a retry of everything."""
    [broken, good] = put(sqlite_register, BROKEN, GOOD)
    mailer = Mailer(sqlite_register, MailSettings(outbox=str(tmp_path / "uit")))
    failures: list[Failure] = []
    with caplog.at_level(logging.WARNING, logger="geo_registry.mail.delivery"):
        assert mailer.deliver(failures=failures) == (1, 1)
    [failure] = failures
    assert failure == Failure(broken, BROKEN.kind, BROKEN.recipient, failure.reason, permanent=True)
    # Staff read what is wrong with it (here: a line break in the address), not only that something is.
    with pytest.raises(ValueError) as why:
        build_email(MailSettings(), BROKEN)
    assert failure.reason == f"kan niet worden opgebouwd: {why.value}" and "carriage return" in failure.reason
    # The operator's log names the message and what is wrong with it.
    assert any(
        r.getMessage().endswith(f" {broken} cannot be built: {failure.reason.partition(': ')[2]}")
        for r in caplog.records
    )
    aside = row(mailer, broken)
    assert aside["failed_at"] and aside["attempts"] == 1 and aside["last_error"] == failure.reason
    assert mailer.deliver(due_only=True) == (0, 0)
    assert good not in [r["id"] for r in mailer.pending()]
    assert mailer.retry_all() == 1
    retried = row(mailer, broken)
    assert (retried["failed_at"], retried["next_attempt_at"]) == (None, None)
    assert mailer.deliver(due_only=True) == (0, 1)  # due again (and still unbuildable)


def test_the_reason_kept_for_staff_is_at_most_500_characters(sqlite_register, tmp_path):
    """However long the error (here one naming a long file path), the stored reason is cut at 500 characters."""
    blocked = tmp_path / ("a" * 200) / ("b" * 200) / ("c" * 200)
    blocked.parent.mkdir(parents=True)
    blocked.write_text("geen map")  # the outbox folder cannot be made: a file is in the way
    [message_id] = put(sqlite_register, GOOD)
    mailer = Mailer(sqlite_register, MailSettings(outbox=str(blocked / "uit")))
    failures: list[Failure] = []
    assert mailer.deliver(failures=failures) == (0, 1)
    assert len(failures[0].reason) == 500 and len(row(mailer, message_id)["last_error"]) == 500


def test_a_released_message_is_free_for_the_next_worker_with_its_attempt_and_reason(sqlite_register):
    """A claimed message is another worker's until released; released, it records the attempt, the reason and
    when it may go again (or that it was set aside), and any worker may take it."""
    [message_id] = put(sqlite_register, GOOD)
    first, second = Mailer(sqlite_register, MailSettings()), Mailer(sqlite_register, MailSettings())
    assert first._claim(message_id)
    assert not second._claim(message_id)
    later, aside_at = datetime(2026, 11, 26, 13, tzinfo=UTC), datetime(2026, 11, 26, 14, tzinfo=UTC)
    first._release(message_id, "451 later", next_attempt_at=later)
    released = row(first, message_id)
    assert (
        released["attempts"],
        released["last_error"],
        released["next_attempt_at"],
        released["failed_at"],
        released["claimed_by"],
        released["claimed_at"],
    ) == (1, "451 later", later, None, None, None)
    assert second._claim(message_id)
    second._release(message_id, "kan niet", failed_at=aside_at)
    aside = row(first, message_id)
    assert (aside["attempts"], aside["last_error"], aside["failed_at"], aside["next_attempt_at"]) == (
        2,
        "kan niet",
        aside_at,
        None,
    )
    assert first._claim(message_id)


def claim(engine, message_id: int, worker: str, minutes_ago: int) -> None:
    """Mark the message as taken by worker that many minutes ago (as a worker does before sending)."""
    moment = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).replace(microsecond=0).isoformat()
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE mail_outbox SET claimed_by = :w, claimed_at = :t WHERE id = :i"),
            {"w": worker, "t": moment, "i": message_id},
        )


def test_a_message_another_worker_is_sending_is_left_alone_until_that_worker_is_presumed_dead(
    sqlite_register, tmp_path
):
    """Taken by another worker a minute ago: not sent again. Taken 16 minutes ago (that worker died mid-delivery,
    the claim expires after 15): sent, once."""
    [recent, stale] = put(sqlite_register, GOOD, GOOD)
    claim(sqlite_register, recent, "andere-worker", minutes_ago=1)
    claim(sqlite_register, stale, "dode-worker", minutes_ago=16)
    mailer = Mailer(sqlite_register, MailSettings(outbox=str(tmp_path / "uit")))
    assert mailer.deliver() == (1, 0)
    assert [r["id"] for r in mailer.pending()] == [recent]
    assert len(list((tmp_path / "uit").iterdir())) == 1
    assert mailer.deliver(ids=[recent]) == (0, 0)


def test_delivering_chosen_messages_leaves_the_others_queued(sqlite_register, tmp_path):
    """deliver(ids) (the yearly confirmation round sends the messages it queued) sends only those."""
    [first, second, third] = put(sqlite_register, GOOD, GOOD, GOOD)
    mailer = Mailer(sqlite_register, MailSettings(outbox=str(tmp_path / "uit")))
    assert mailer.deliver(ids=[second]) == (1, 0)
    assert [r["id"] for r in mailer.pending()] == [first, third]
    assert mailer.deliver(ids=[]) == (0, 0)
    assert mailer.deliver() == (2, 0) and mailer.pending() == []


def test_a_queued_message_records_the_moment_it_was_queued_in_utc(sqlite_register, monkeypatch):
    """Staff's list of unsent mail shows when each message was queued, converted to Dutch time: the stored
    moment carries its zone, also when the server's own clock is set to Dutch time."""
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    try:
        before = datetime.now(UTC).replace(microsecond=0)
        [message_id] = put(sqlite_register, GOOD)
        after = datetime.now(UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
    queued = moment(row(Mailer(sqlite_register, MailSettings()), message_id)["created_at"])
    assert queued.utcoffset() == timedelta(0) and before <= queued <= after


def test_undeliverable_mail_is_dropped_after_the_retention_period_and_not_before(sqlite_register, tmp_path):
    """A message (with a resident's data in it) that could not be delivered is kept for the retention period
    (MAIL_RETENTION_DAYS) for staff to retry, then dropped."""
    [old, recent] = put(sqlite_register, GOOD, GOOD)
    with sqlite_register.begin() as conn:
        for message_id, days in ((old, 15), (recent, 13)):
            moment = (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0).isoformat()
            conn.execute(
                sa.text("UPDATE mail_outbox SET created_at = :t WHERE id = :i"), {"t": moment, "i": message_id}
            )
    mailer = Mailer(sqlite_register, MailSettings(outbox=str(tmp_path / "uit")))
    assert mailer.purge(14) == 1
    assert [r["id"] for r in mailer.pending()] == [recent]
    assert mailer.purge(12) == 1 and mailer.pending() == []


def test_a_run_counts_every_message_that_failed(sqlite_register, tmp_path):
    """send-mail and staff hear how many messages did not go: each failure counts, and each is reported."""
    [first, second] = put(sqlite_register, BROKEN, BROKEN)
    failures: list[Failure] = []
    assert Mailer(sqlite_register, MailSettings(outbox=str(tmp_path / "uit"))).deliver(failures=failures) == (0, 2)
    assert [f.id for f in failures] == [first, second]


def test_a_message_whose_retry_is_due_goes_on_the_next_pass(sqlite_register, tmp_path):
    """The worker's passes (due only) send a message once its wait after a failed attempt is over."""
    [message_id] = put(sqlite_register, GOOD)
    due = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0).isoformat()
    with sqlite_register.begin() as conn:
        conn.execute(
            sa.text("UPDATE mail_outbox SET attempts = 1, next_attempt_at = :t WHERE id = :i"),
            {"t": due, "i": message_id},
        )
    mailer = Mailer(sqlite_register, MailSettings(outbox=str(tmp_path / "uit")))
    assert mailer.deliver(due_only=True) == (1, 0) and mailer.pending() == []


STOPPED_HERE = f"{socket.gethostname()}:999999999:1:dood"  # a process on this host that no longer runs


def died_after_handing_over(mailer: Mailer, message_id: int) -> dict:
    """What a worker killed right after handing the message over leaves behind: the message handed over (the
    outbox file written, or the SMTP server has it), its Message-ID recorded, the row claimed by a process that
    has stopped and not marked done. Returns the row as that worker saw it."""
    row = mailer._claim_row(message_id)
    assert row is not None
    message = Message(row["kind"], row["recipient"], row["subject"], row["body"], row["reply_to"])
    email = build_email(mailer.settings, message)
    mailer._handing_over(row, email["Message-ID"])
    mailer._hand_over(email, row)
    with mailer.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE mail_outbox SET claimed_by = :w WHERE id = :i"), {"w": STOPPED_HERE, "i": message_id}
        )
    return row


def test_an_outbox_file_written_before_its_worker_died_is_not_written_again(sqlite_register, tmp_path, caplog):
    """Defect: a message written to the outbox folder but not yet marked done was written a second time. Now the
    file is named after the message, and the next worker finds it and only marks the message done."""
    [message_id] = put(sqlite_register, GOOD)
    settings = MailSettings(outbox=str(tmp_path / "uit"))
    died_after_handing_over(Mailer(sqlite_register, settings), message_id)
    [written] = (tmp_path / "uit").iterdir()
    content = written.read_bytes()
    with caplog.at_level(logging.INFO, logger="geo_registry.mail.delivery"):
        assert Mailer(sqlite_register, settings).deliver(due_only=True) == (1, 0)
    assert list((tmp_path / "uit").iterdir()) == [written] and written.read_bytes() == content
    assert Mailer(sqlite_register, settings).pending() == []
    assert any(f"{message_id} was already written to {written.name}" in r.getMessage() for r in caplog.records)


def test_an_smtp_send_cut_off_by_a_dying_worker_is_sent_again_with_the_same_message_id_and_logged(
    sqlite_register, smtp, caplog
):
    """The SMTP server may have the message when its worker died: the next worker (at once: the claim was a
    stopped process's on this host) says in the operator's log that it may be a repeat, and sends it with the
    same Message-ID, so that the receiving side can tell it is one message."""
    [message_id] = put(sqlite_register, GOOD)
    settings = MailSettings(host="127.0.0.1", port=smtp.port)
    died_after_handing_over(Mailer(sqlite_register, settings), message_id)
    with caplog.at_level(logging.WARNING, logger="geo_registry.mail.delivery"):
        assert Mailer(sqlite_register, settings).deliver(due_only=True) == (1, 0)
    first, second = smtp.messages
    assert first["Message-ID"] == second["Message-ID"] and first.get_content() == second.get_content()
    [repeat] = [r.getMessage() for r in caplog.records if "may be a repeat" in r.getMessage()]
    assert repeat.startswith(f"E-mail {message_id} may be a repeat") and first["Message-ID"] in repeat


def test_a_message_refused_once_keeps_its_message_id_and_is_not_called_a_repeat(sqlite_register, refusing_smtp, caplog):
    """A clean refusal (451) is not a possible repeat: the retry says nothing of one, and keeps the Message-ID."""
    [message_id] = put(sqlite_register, GOOD)
    mailer = Mailer(sqlite_register, MailSettings(host="127.0.0.1", port=refusing_smtp.port))
    assert mailer.deliver() == (0, 1)
    recorded = row(mailer, message_id)
    assert recorded["message_id"] and recorded["handing_over_at"] is None
    refusing_smtp.fail = False
    with caplog.at_level(logging.WARNING, logger="geo_registry.mail.delivery"):
        assert mailer.deliver() == (1, 0)
    [sent] = refusing_smtp.messages
    assert sent["Message-ID"] == recorded["message_id"]
    assert not [r for r in caplog.records if "repeat" in r.getMessage()]


def test_a_claim_of_a_stopped_process_on_this_host_is_released_at_once_not_after_15_minutes(sqlite_register, tmp_path):
    """Defect: messages claimed by a killed worker waited 15 minutes for the claim to expire. A claim names the
    process (host, pid, start time): one on this host that no longer runs is released by the next pass, while a
    claim of a process on another host is still left alone until it expires."""
    [orphan, elsewhere] = put(sqlite_register, GOOD, GOOD)
    claim(sqlite_register, orphan, STOPPED_HERE, minutes_ago=0)
    claim(sqlite_register, elsewhere, "andere-host:4242:1:levend", minutes_ago=1)
    mailer = Mailer(sqlite_register, MailSettings(outbox=str(tmp_path / "uit")))
    assert mailer.deliver(due_only=True) == (1, 0)
    assert [r["id"] for r in mailer.pending()] == [elsewhere]
