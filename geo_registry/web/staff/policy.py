"""Who may use which staff route: one rule per endpoint under /beheer, for GET and for POST, enforced for every
request before its view runs (issue 20). An endpoint without a rule is refused to everyone, and
tests/test_role_matrix.py fails on it. `python -m geo_registry.web.staff.policy` prints the matrix in Markdown
(docs/staff-roles.md, checked by the same test)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from flask_login import current_user

from geo_registry.core.errors import GeoRegistryError
from geo_registry.core.text import N_
from geo_registry.domain.roles import BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER, INZAGE, NO_ACCESS, ROLES, Access
from geo_registry.domain.roles import roles_of as stored_roles
from geo_registry.web import services as app_services
from geo_registry.web.staff.sessions import login_manager

ANYONE = "anyone"  # no account needed: the login page
SIGNED_IN = "signed-in"  # any account, whatever its roles: logging out, one's own password
NOBODY: frozenset[str] = frozenset()

READ = frozenset({BELEIDSMEDEWERKER, INZAGE})  # groups, areas, coverage, a beheerder's contact details
GROUPS = frozenset({BELEIDSMEDEWERKER})  # changes to groups, mail, exports
ACCOUNTS = frozenset({FUNCTIONEEL_BEHEERDER})  # staff accounts
LOGS = frozenset({BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER})  # the audit log: who changed what

Who = str | frozenset[str]


@dataclass(frozen=True)
class Rule:
    """Who may GET (HEAD too) and who may POST an endpoint; NOBODY for a method the endpoint does not serve."""

    get: Who = NOBODY
    post: Who = NOBODY


def reads(who: Who) -> Rule:
    """A page: GET only."""
    return Rule(get=who)


def writes(who: Who) -> Rule:
    """An action: POST only."""
    return Rule(post=who)


POLICY: dict[str, Rule] = {
    "staff.login": reads(ANYONE),
    "staff.login_post": writes(ANYONE),
    "oidc.start": reads(ANYONE),  # the way to the identity provider's sign-in
    "oidc.callback": reads(ANYONE),  # the provider's answer: it signs the account in
    # Halfway through a login (the password given, not yet the code): the views check that session themselves.
    "second_factor.enrol": reads(ANYONE),
    "second_factor.enrol_post": writes(ANYONE),
    "second_factor.code": reads(ANYONE),
    "second_factor.code_post": writes(ANYONE),
    "second_factor.recheck": reads(SIGNED_IN),  # the code asked again before a sensitive change
    "second_factor.recheck_post": writes(SIGNED_IN),
    "staff.logout": writes(SIGNED_IN),
    "account.password": reads(SIGNED_IN),
    "account.password_post": writes(SIGNED_IN),
    "staff.index": reads(READ),
    "staff.group": reads(READ),
    "staff.coverage": reads(READ),
    "staff.review": writes(GROUPS),
    "staff.status": writes(GROUPS),
    "staff.delete_confirm": reads(GROUPS),
    "staff.delete": writes(GROUPS),
    "staff.edit": reads(GROUPS),
    "staff.edit_post": writes(GROUPS),
    "staff.reminder": writes(GROUPS),
    "staff.review_change": writes(GROUPS),
    "staff.outbox": reads(GROUPS),
    "staff.outbox_retry": writes(GROUPS),
    "staff.export_csv": reads(GROUPS),
    "staff.export_geojson": reads(GROUPS),
    "staff.coverage_csv": reads(GROUPS),
    "staff.uncovered_geojson": reads(GROUPS),
    "staff.audit_log": reads(LOGS),
    "staff.access_log_page": reads(ACCOUNTS),  # who saw personal data (accounts and their addresses)
    "staff.access_log_csv": reads(ACCOUNTS),
    "accounts.index": reads(ACCOUNTS),
    "accounts.invite": writes(ACCOUNTS),
    "accounts.edit": reads(ACCOUNTS),
    "accounts.change_roles": writes(ACCOUNTS),
    "accounts.change_status": writes(ACCOUNTS),
    "accounts.reset_second_factor": writes(ACCOUNTS),
    "accounts.provision": writes(ACCOUNTS),
    "accounts.accept": reads(ANYONE),  # the invitation's link is the credential
    "accounts.accept_post": writes(ANYONE),
}


class NotAllowed(GeoRegistryError):
    """The account's roles do not allow this page or action."""

    status = 403
    code = "forbidden"
    default_message = N_(
        "Uw account heeft geen toegang tot deze pagina of handeling. Vraag de functioneel beheerder om een "
        "andere rol als u dit nodig heeft."
    )


def is_staff_path(path: str) -> bool:
    """True for a path of the staff area: /beheer and below (not /beheerder/..., the beheerders' own links)."""
    return path == "/beheer" or path.startswith("/beheer/")


def who_may(endpoint: str | None, method: str) -> Who:
    """Who may call endpoint with method (HEAD as GET); NOBODY for an endpoint without a rule."""
    rule = POLICY.get(endpoint or "")
    if rule is None:
        return NOBODY
    return rule.post if method == "POST" else rule.get if method in ("GET", "HEAD") else NOBODY


def allows(who: Who, access: Access | None) -> bool:
    """True when an account with access (None: nobody signed in) passes who."""
    if who == ANYONE:
        return True
    if access is None:
        return False
    return who == SIGNED_IN or (isinstance(who, frozenset) and access.has(*who))


def may(endpoint: str, method: str = "GET") -> bool:
    """True when the signed-in account of this request may call endpoint (the menu shows only those)."""
    return allows(who_may(endpoint, method), current_access() if current_user.is_authenticated else None)


# Where an account lands after logging in: the first of these its roles allow.
HOMES = ("staff.index", "accounts.index", "staff.audit_log")


def home_endpoint(access: Access) -> str:
    """The first staff page this account may open (its own password page when its roles allow none)."""
    return next((endpoint for endpoint in HOMES if allows(who_may(endpoint, "GET"), access)), "account.password")


def current_access() -> Access:
    """The roles and municipalities of this request's account, read once per request (NO_ACCESS for none)."""
    if "access" not in g:
        g.access = (
            stored_roles(app_services.current().store.engine, current_user.id)
            if current_user.is_authenticated
            else NO_ACCESS
        )
    return g.access


def registering_officer() -> str | None:
    """The username of the beleidsmedewerker signed in on this browser (a current session), who may register a
    group on a resident's behalf without the public limit; None for anyone else."""
    from geo_registry.web.staff.sessions import session_is_current

    if not current_user.is_authenticated or not session_is_current():
        return None
    return current_user.username if current_access().has(BELEIDSMEDEWERKER) else None


def enforce():
    """Before every request under /beheer: a visitor without a session goes to the login page, an account whose
    roles do not allow the route gets 403 (a page in its language)."""
    rule = request.url_rule
    if rule is None or not is_staff_path(rule.rule) or request.method == "OPTIONS":
        return None
    who = who_may(request.endpoint, request.method)
    if who == ANYONE:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not allows(who, current_access()):
        raise NotAllowed()
    return None


def init_app(app) -> None:
    """Enforce the policy on every request, and let templates ask may('staff.export_csv')."""
    app.before_request(enforce)
    app.jinja_env.globals["may"] = may


def staff_routes() -> dict[str, str]:
    """Every endpoint under /beheer with its URL rule, from the staff blueprints on a bare Flask app (no
    settings, no database: the docs generator and the tests read it)."""
    from flask import Flask

    from geo_registry.web.staff import (  # noqa: F401  (routes join views.bp)
        access,
        account,
        accounts,
        coverage,
        exports,
        oidc,
        second_factor,
        views,
    )

    app = Flask(__name__)
    for blueprint in (views.bp, account.bp, accounts.bp, oidc.bp, second_factor.bp):
        app.register_blueprint(blueprint)
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if is_staff_path(rule.rule)}


def matrix(routes: dict[str, str]) -> str:
    """The policy as a Markdown table: every staff route and method, and who may use it ('yes' or '-')."""
    columns = ["anonymous", *ROLES]
    lines = [
        "| route | method | endpoint | " + " | ".join(columns) + " |",
        "|---|---|---|" + "---|" * len(columns),
    ]
    rows = sorted(
        (routes.get(endpoint, "?"), method, endpoint, who)
        for endpoint, rule in POLICY.items()
        for method, who in (("GET", rule.get), ("POST", rule.post))
        if who != NOBODY
    )
    for route, method, endpoint, who in rows:
        cells = [_cell(who, None)] + [_cell(who, Access(frozenset({role}))) for role in ROLES]
        lines.append(f"| `{route}` | {method} | `{endpoint}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(who: Who, access: Access | None) -> str:
    return "yes" if allows(who, access) else "-"


def document() -> str:
    """docs/staff-roles.md: the roles, the matrix, and how a route declares its rule."""
    return DOC.format(matrix=matrix(staff_routes()))


DOC = """# Staff roles

Generated by `.venv/bin/python -m geo_registry.web.staff.policy > docs/staff-roles.md` from the policy in
`geo_registry/web/staff/policy.py`; `tests/test_role_matrix.py` fails when this file and the policy differ, and
checks every cell below against the running app on both databases.

| role | what it may do |
|---|---|
| `beleidsmedewerker` | everything on groups: review, approve, reject, edit, (de)activate, delete, mail, exports |
| `inzage` | read groups, areas, coverage and a beheerder's contact details; changes nothing, exports nothing |
| `functioneel-beheerder` | staff accounts (invite, roles, disable, second factor), the audit and access logs |

An account holds one or more roles, and the municipalities it works for (none: every municipality served). In a
deployment that serves several municipalities (`GEO_REGISTRY_GEMEENTEN=GM0417,GM0376,GM0317`) an account that
names some sees only their groups, buurten, counts and exports; a group whose area crosses a border belongs to
both. Accounts that existed before revision 0013 became `beleidsmedewerker` and `functioneel-beheerder` for every
municipality. The last active `functioneel-beheerder` cannot be disabled or lose that role.

"anonymous" is a visitor without a session: they are sent to the login page. Any other "-" is a 403 page in the
visitor's language. "signed in" routes (logging out, one's own password) are open to every account.

{matrix}
"""

if __name__ == "__main__":
    print(document())
