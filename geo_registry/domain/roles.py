"""Staff roles and the municipalities an account works for (issue 20), without Flask: which roles exist, what an
account holds, changing that (audited), and the rule that the last active functioneel-beheerder stays.

An account holds one or more roles and zero or more municipalities (GM codes). No municipality means every
municipality the deployment serves, now and later (so a one-municipality deployment never needs to name it, and
the accounts that existed before revision 0013 keep seeing everything)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from geo_registry.core.text import N_, _
from geo_registry.domain.audit import audit
from geo_registry.store.tables import staff, staff_gemeenten, staff_roles

BELEIDSMEDEWERKER = "beleidsmedewerker"  # everything on groups: review, edit, (de)activate, delete, mail, exports
INZAGE = "inzage"  # reads groups, areas, coverage and a beheerder's contact details; changes and exports nothing
FUNCTIONEEL_BEHEERDER = "functioneel-beheerder"  # staff accounts and the access log; no group rights of its own
ROLES = (BELEIDSMEDEWERKER, INZAGE, FUNCTIONEEL_BEHEERDER)
# What an account made without naming roles gets (the first administrator), and what revision 0013 gave every
# account that existed: today's rights.
DEFAULT_ROLES = (BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER)
# The roles' names as pages show them (translated there).
ROLE_LABELS = {
    BELEIDSMEDEWERKER: N_("beleidsmedewerker"),
    INZAGE: N_("inzage"),
    FUNCTIONEEL_BEHEERDER: N_("functioneel beheerder"),
}
GEMEENTECODE = re.compile(r"GM\d{4}")


class RoleRefused(ValueError):
    """A change of roles, municipalities or an account's state that the rules do not allow; str() says why."""


@dataclass(frozen=True)
class Access:
    """What one staff account may do: its roles, and its municipalities (empty: every one served)."""

    roles: frozenset[str] = frozenset()
    gemeenten: frozenset[str] = frozenset()

    def has(self, *roles: str) -> bool:
        """True when the account holds at least one of these roles."""
        return bool(self.roles & set(roles))

    @property
    def all_gemeenten(self) -> bool:
        """True when the account works for every served municipality (it names none)."""
        return not self.gemeenten

    def visible(self, served: Iterable[str]) -> list[str]:
        """The served municipality codes this account works for, in the order given."""
        return [code for code in served if self.all_gemeenten or code in self.gemeenten]

    def sees(self, codes: Iterable[str]) -> bool:
        """True when a thing in these municipalities (a group across a border: several) is this account's."""
        return self.all_gemeenten or bool(self.gemeenten & set(codes))


NO_ACCESS = Access()


def check_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles as a set; raise RoleRefused when there is none or one is unknown."""
    chosen = frozenset((role or "").strip().lower() for role in roles)
    unknown = sorted(chosen - set(ROLES))
    if unknown:
        raise RoleRefused(
            _("Onbekende rol: %(role)s. Kies uit: %(roles)s.", role=", ".join(unknown), roles=", ".join(ROLES))
        )
    if not chosen:
        raise RoleRefused(_("Geef het account minstens één rol."))
    return chosen


def check_gemeenten(gemeenten: Iterable[str], served: Iterable[str] | None = None) -> frozenset[str]:
    """The municipality codes as a set ('gm0417' becomes 'GM0417'); raise RoleRefused for a code that is not
    GM plus four digits or, when served is given, not one of the served municipalities."""
    chosen = frozenset((code or "").strip().upper() for code in gemeenten)
    wrong = sorted(code for code in chosen if not GEMEENTECODE.fullmatch(code))
    if served is not None:
        served = list(served)
        wrong += sorted(code for code in chosen if code not in served and code not in wrong)
    if wrong:
        choices = ", ".join(served) if served is not None else "GM0417"
        raise RoleRefused(
            _("Onbekende gemeente: %(codes)s. Kies uit: %(choices)s.", codes=", ".join(wrong), choices=choices)
        )
    return chosen


def _access(conn: sa.Connection, staff_id: int) -> Access:
    roles = conn.execute(sa.select(staff_roles.c.role).where(staff_roles.c.staff_id == staff_id)).scalars()
    codes = conn.execute(
        sa.select(staff_gemeenten.c.gemeentecode).where(staff_gemeenten.c.staff_id == staff_id)
    ).scalars()
    return Access(frozenset(roles), frozenset(codes))


def roles_of(engine: sa.Engine, staff_id: int) -> Access:
    """The roles and municipalities of one account (NO_ACCESS for an account that holds none, or none at all)."""
    with engine.connect() as conn:
        return _access(conn, staff_id)


def access_by_staff(engine: sa.Engine) -> dict[int, Access]:
    """The roles and municipalities of every account, by account id (accounts without any are left out)."""
    found: dict[int, tuple[set, set]] = {}
    with engine.connect() as conn:
        for staff_id, role in conn.execute(sa.select(staff_roles.c.staff_id, staff_roles.c.role)):
            found.setdefault(staff_id, (set(), set()))[0].add(role)
        for staff_id, code in conn.execute(sa.select(staff_gemeenten.c.staff_id, staff_gemeenten.c.gemeentecode)):
            found.setdefault(staff_id, (set(), set()))[1].add(code)
    return {staff_id: Access(frozenset(r), frozenset(g)) for staff_id, (r, g) in found.items()}


def store_access(conn: sa.Connection, staff_id: int, roles: Iterable[str], gemeenten: Iterable[str]) -> None:
    """Replace an account's roles and municipalities inside the caller's transaction (checked beforehand: use
    set_roles for a change of an existing account)."""
    conn.execute(staff_roles.delete().where(staff_roles.c.staff_id == staff_id))
    conn.execute(staff_gemeenten.delete().where(staff_gemeenten.c.staff_id == staff_id))
    if roles := sorted(set(roles)):
        conn.execute(staff_roles.insert(), [{"staff_id": staff_id, "role": role} for role in roles])
    if codes := sorted(set(gemeenten)):
        conn.execute(staff_gemeenten.insert(), [{"staff_id": staff_id, "gemeentecode": code} for code in codes])


def lock_accounts(conn: sa.Connection, staff_id: int) -> None:
    """Take the lock that makes changes to accounts' roles and states wait for each other, as the first statement
    of the caller's transaction: otherwise two administrators demoting each other at once could both pass the
    last-functioneel-beheerder check."""
    if conn.dialect.name == "postgresql":
        # Every account row: the check below counts the other accounts, so those must not change meanwhile.
        conn.execute(sa.select(staff.c.id).order_by(staff.c.id).with_for_update()).all()
    else:
        # SQLite: a write takes the database's write lock (waiting its busy timeout), so reads after it are current.
        conn.execute(staff.update().where(staff.c.id == staff_id).values(active=staff.c.active))


# The password hash of an invited account until its holder sets a password through the link: no "$", so that
# werkzeug's check refuses every password, and recognisable, so that the account is known to be not yet taken up.
INVITED_MARK = "uitgenodigd:"


def awaiting_first_sign_in() -> sa.ColumnElement[bool]:
    """The accounts not yet taken up: invited, no password set yet; or made beforehand for the identity provider
    (no password, no subject) and not yet signed in through it."""
    return sa.or_(
        staff.c.password_hash.like(f"{INVITED_MARK}%"),
        sa.and_(staff.c.password_hash == "", staff.c.oidc_subject.is_(None)),
    )


def refuse_last_administrator(conn: sa.Connection, staff_id: int) -> None:
    """Raise RoleRefused when no other active functioneel-beheerder would be left (call after lock_accounts). An
    account still invited does not count: nobody may have taken the invitation up, nor ever will."""
    administrators = (
        sa.select(staff.c.id)
        .join(staff_roles, staff_roles.c.staff_id == staff.c.id)
        .where(staff.c.active == 1, staff_roles.c.role == FUNCTIONEEL_BEHEERDER)
    )
    if conn.execute(administrators.where(staff.c.id == staff_id)).first() is None:
        return  # not an active functioneel-beheerder: nothing is taken away
    others = administrators.where(staff.c.id != staff_id, sa.not_(awaiting_first_sign_in()))
    if conn.execute(others.limit(1)).first() is None:
        raise RoleRefused(
            _(
                "Dit is het laatste actieve account met de rol functioneel beheerder. Geef eerst een ander account "
                "die rol; anders kan niemand de accounts nog beheren."
            )
        )


def set_roles(
    engine: sa.Engine,
    staff_id: int,
    roles: Iterable[str],
    gemeenten: Iterable[str],
    actor: str,
    served: Iterable[str] | None = None,
) -> Access:
    """Give an account these roles and municipalities (empty: every one served), with an audit entry by actor.
    Raise RoleRefused for an unknown role or municipality (not in served, when given), for no role, and when it
    would take the role functioneel-beheerder from the last active account that holds it."""
    chosen_roles, chosen_codes = check_roles(roles), check_gemeenten(gemeenten, served)
    with engine.begin() as conn:
        lock_accounts(conn, staff_id)
        username = conn.execute(sa.select(staff.c.username).where(staff.c.id == staff_id)).scalar()
        if username is None:
            raise RoleRefused(_("Dit account bestaat niet (meer)."))
        before = _access(conn, staff_id)
        if FUNCTIONEEL_BEHEERDER in before.roles and FUNCTIONEEL_BEHEERDER not in chosen_roles:
            refuse_last_administrator(conn, staff_id)
        after = Access(chosen_roles, chosen_codes)
        if after != before:
            store_access(conn, staff_id, chosen_roles, chosen_codes)
            audit(conn, actor, N_("rollen gewijzigd"), detail=f"{username}: {describe(after)}")
    return after


def describe(access: Access) -> str:
    """The roles and municipalities in one line for the audit log and the command line, e.g.
    'beleidsmedewerker, inzage; GM0376' (or '; alle gemeenten'): codes, not translated, so the log stays exact."""
    roles = ", ".join(role for role in ROLES if role in access.roles) or "-"
    return f"{roles}; {', '.join(sorted(access.gemeenten)) or 'alle gemeenten'}"
