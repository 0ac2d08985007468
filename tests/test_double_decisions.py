"""Two decisions at once (a double click on 'Goedkeuren', or two staff members) count once: one decision,
one audit entry, one e-mail to the beheerder; the other is told it was already decided."""

import threading

import sqlalchemy as sa
from helpers import register_pending

from geo_registry.domain import actions, renewal
from geo_registry.domain.actions import ActionRefused
from geo_registry.mail.delivery import Message
from geo_registry.web import services as app_services

ROUNDS = 5
AT_ONCE = 6


def at_once(decide) -> list:
    """Run decide(i) in AT_ONCE threads released together; return what each returned or raised."""
    start = threading.Barrier(AT_ONCE)
    outcomes = [None] * AT_ONCE

    def run(i):
        start.wait()
        try:
            outcomes[i] = decide(i)
        except ActionRefused as refusal:
            outcomes[i] = refusal

    threads = [threading.Thread(target=run, args=(i,)) for i in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def count(app, sql: str, **params) -> int:
    with app.app_context():
        with app_services.current().store.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar_one()


def test_approving_and_rejecting_at_once_decides_once(app):
    # Before: 6 clicks at once gave 4 approvals (4 e-mails, 4 audit entries), or an approval and rejections.
    for round_ in range(ROUNDS):
        group_id = register_pending(app, name=f"Tegelijk {round_}")
        mails_before = count(app, "SELECT count(*) FROM mail_outbox WHERE kind = 'beoordeling'")

        def decide(i, group_id=group_id):
            with app.app_context():
                return actions.review(
                    app_services.current().store,
                    group_id,
                    "medewerker",
                    i % 2 == 0,
                    "reden",
                    lambda g: Message("beoordeling", g.beheerder_email, "besluit", "tekst"),
                )

        outcomes = at_once(decide)
        assert sum(not isinstance(o, ActionRefused) for o in outcomes) == 1, outcomes
        assert (
            count(
                app,
                "SELECT count(*) FROM audit_log WHERE group_id = :g AND action IN ('goedgekeurd', 'afgewezen')",
                g=group_id,
            )
            == 1
        )
        assert count(app, "SELECT count(*) FROM mail_outbox WHERE kind = 'beoordeling'") == mails_before + 1


def test_a_proposed_change_is_decided_once(app):
    # Before: one approval and three rejections of the same change, each with its e-mail to the beheerder.
    for round_ in range(ROUNDS):
        group_id = register_pending(app, name=f"Wijziging {round_}")
        with app.app_context():
            store = app_services.current().store
            actions.review(store, group_id, "medewerker", True, "", lambda g: Message("x", "a@b.nl", "s", "b"))
            change_id = renewal.propose_change(store, group_id, {"description": f"nieuw {round_}"})
        mails_before = count(app, "SELECT count(*) FROM mail_outbox WHERE kind = 'wijziging'")

        def decide(i, change_id=change_id):
            with app.app_context():
                return renewal.review_change(
                    app_services.current().store,
                    change_id,
                    "medewerker",
                    i % 2 == 0,
                    "",
                    lambda g, ok: Message("wijziging", g.beheerder_email, "s", "b"),
                )

        outcomes = at_once(decide)
        assert sum(not isinstance(o, ActionRefused) for o in outcomes) == 1, outcomes
        assert (
            count(
                app,
                "SELECT count(*) FROM audit_log WHERE group_id = :g AND action LIKE 'wijziging %'"
                " AND action != 'wijziging voorgesteld'",
                g=group_id,
            )
            == 1
        )
        assert count(app, "SELECT count(*) FROM mail_outbox WHERE kind = 'wijziging'") == mails_before + 1


def test_a_confirmation_link_clicked_twice_at_once_confirms_once(app):
    from geo_registry.domain.groups import Group, GroupStatus

    with app.app_context():
        store = app_services.current().store
        area = app_services.current().buurten[0].geometry
        group_id, _ = actions.register(
            store,
            Group(None, "Dubbelklik", area, "N", "n@voorbeeld.nl"),
            lambda gid: Message("test", "n@voorbeeld.nl", "s", "b"),
        )

    def confirm(i):
        with app.app_context():
            return actions.confirm_email(app_services.current().store, group_id).status

    assert at_once(confirm) == [GroupStatus.PENDING_REVIEW] * AT_ONCE
    assert (
        count(
            app, "SELECT count(*) FROM audit_log WHERE group_id = :g AND action = 'e-mailadres bevestigd'", g=group_id
        )
        == 1
    )
