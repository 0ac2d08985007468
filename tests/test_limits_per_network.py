"""A rate limit counts one client however many addresses it has: an IPv6 subscriber is given a whole /64 and
can take a new address from it for every request, so the limits count that /64 as one client; an IPv4 client
that reaches a dual-stack server as ::ffff:a.b.c.d is still that one IPv4 address, not all of IPv4 at once."""

import pytest
from helpers import login, make_app

from geo_registry.web import settings as app_settings


def client_at(app, address):
    """A test client whose requests come from address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.mark.slow
def test_a_new_address_from_the_same_ipv6_network_does_not_get_new_login_attempts(mail_app, staff_user):
    for i in range(5):
        assert (
            login(client_at(mail_app, f"2001:db8:1:2::{i + 1:x}"), staff_user[0], "fout-wachtwoord").status_code == 401
        )
    refused = login(client_at(mail_app, "2001:db8:1:2:ffff:ffff:ffff:ff"), *staff_user)
    assert refused.status_code == 429 and "te vaak" in refused.get_data(as_text=True)
    # Another network is another client: the staff member at the office still logs in.
    assert login(client_at(mail_app, "2001:db8:1:3::1"), *staff_user).status_code == 302


@pytest.mark.slow
def test_ipv4_clients_seen_through_a_dual_stack_socket_are_counted_each_on_their_own(mail_app, staff_user):
    for _ in range(5):
        assert login(client_at(mail_app, "::ffff:192.0.2.1"), staff_user[0], "fout-wachtwoord").status_code == 401
    assert login(client_at(mail_app, "::ffff:192.0.2.1"), *staff_user).status_code == 429
    assert login(client_at(mail_app, "192.0.2.1"), *staff_user).status_code == 429  # the same client
    assert login(client_at(mail_app, "::ffff:192.0.2.2"), *staff_user).status_code == 302


def test_the_client_key_of_an_address(tmp_path):
    """The key the per-client limits count under: an IPv4 address itself, an IPv6 address's /64."""
    from geo_registry.web.security import client_address

    app = make_app(tmp_path)

    def key(address):
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": address}):
            return client_address()

    assert key("2001:db8:1:2::1") == key("2001:db8:1:2:abcd::9") == key("2001:DB8:1:2::FFFF")
    assert key("2001:db8:1:2::1") != key("2001:db8:1:3::1")
    assert key("192.0.2.1") == key("::ffff:192.0.2.1") != key("192.0.2.2")
    assert key("fe80::1%eth0") == key("fe80::2")
    assert key("not an address") == "not an address"  # a unix socket or a test: counted as it is


def test_dots_in_a_gmail_address_do_not_make_another_mailbox_for_the_daily_limit(mail_app):
    """Gmail delivers j.a.n@gmail.com, jan@gmail.com and jan@googlemail.com to one mailbox: a flood of waiting-
    list confirmations to one stranger from many clients cannot get round the daily limit by placing dots."""
    from test_subscribe import subscribe

    app_settings.change(mail_app, JOIN_LIMIT=2)
    typed = ["jan.jansen@gmail.com", "janjansen@gmail.com", "j.a.n.jansen@googlemail.com", "Jan.Jan.Sen+x@GMAIL.com"]
    answers = [
        subscribe(client_at(mail_app, f"192.0.2.{n + 1}"), email=address).status_code for n, address in enumerate(typed)
    ]
    assert answers == [302, 302, 429, 429]
    # Elsewhere a dot is part of the name: another person's mailbox, with its own limit.
    assert subscribe(client_at(mail_app, "192.0.2.9"), email="jan.jansen@voorbeeld.invalid").status_code == 302
    assert subscribe(client_at(mail_app, "192.0.2.10"), email="janjansen@voorbeeld.invalid").status_code == 302
