"""The app's settings, typed: each with its type, default and meaning, parsed once as the app starts from the
defaults, then the GEO_REGISTRY_* environment, then the test mapping (see docs/configuration.md, made from this
module by `python -m geo_registry.core.settings`)."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import logging
import math
import re
import sys
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from geo_registry.core.config import PDOK_BRT_ATTRIBUTION, PDOK_LOCATIESERVER, ROOT
from geo_registry.core.errors import StartupRefused

PREFIX = "GEO_REGISTRY_"
EXTENSION = "geo_registry.settings"  # where an app keeps its Settings (app.extensions)
TRUE = {"true", "1", "yes", "ja"}
FALSE = {"false", "0", "no", "nee"}
# One municipality's own contact: CONTACT_EMAIL_GM0376, CONTACT_PHONE_GM0376 (any served code).
PER_GEMEENTE = re.compile(r"CONTACT_(EMAIL|PHONE)_GM\d{4}")
# Read by others than the app's settings: not reported as unknown.
ELSEWHERE: dict[str, str] = {}
# Flask's and its extensions' own keys (e.g. GEO_REGISTRY_WTF_CSRF_TIME_LIMIT) go to app.config as Flask reads
# them (JSON where the value parses as JSON, otherwise text), as before there were typed settings.
EXTENSION_PREFIXES = ("WTF_", "RATELIMIT_", "BABEL_", "COMPRESS_", "SESSION_")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Under:
    """A default inside a folder known only at start: the instance folder or the repository."""

    folder: str  # "instance" or "repository"
    name: str
    prefix: str = ""

    def resolve(self, instance: str | Path) -> str:
        """The default for an app whose instance folder is instance."""
        return f"{self.prefix}{(Path(instance) if self.folder == 'instance' else ROOT) / self.name}"

    def __str__(self) -> str:
        return f"{self.prefix}<{self.folder}>/{self.name}"


def setting(default, meaning: str, *, flask: bool = False, choices: tuple = (), blank_is_default: bool = False):
    """A setting's field: its default and its meaning; flask: also given to app.config (Flask or an extension
    reads it); choices: the only values allowed; blank_is_default: an empty value means the default."""
    metadata = {"meaning": meaning, "flask": flask, "choices": choices, "blank_is_default": blank_is_default}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """Every setting of the app, typed. Numbers, yes/no values, paths and choices left empty mean the default."""

    DATABASE_URL: str = setting(
        Under("instance", "geo_registry.sqlite3", "sqlite:///"),
        "the database: an SQLite file, or PostgreSQL with PostGIS as `postgresql+psycopg://user:password@host/db`",
    )
    SECRET_KEY: str = setting(
        "", "signs sessions and links; empty: a key made once and kept in `<instance>/secret_key`", flask=True
    )
    GEMEENTECODE: str = setting("GM0417", "the municipality (Laren)", blank_is_default=True)
    GEMEENTENAAM: str = setting("Laren", "its name on the pages and in e-mail")
    GEMEENTEN: str = setting(
        "", "the municipalities served, e.g. `GM0417,GM0376,GM0317` (BEL) or `GM0402=Hilversum`; empty: GEMEENTECODE"
    )
    REGIO_NAAM: str = setting(
        "",
        "what pages, and the mail and poster of a group across a border, call a deployment of several municipalities;"
        " empty: their names",
    )
    WIJKEN_FILE: Path | None = setting(
        None, "the buurten (GeoJSON); empty: data/wijken.geojson, or data/bel_wijken.geojson when others are served"
    )
    BUURTEN_CACHE: Path | None = setting(
        Under("instance", "cache"),
        "where a fast (WKB) copy of the wijken file and the municipalities' outlines are kept; empty: none",
    )
    CHANGE_SIGNAL_FILE: Path | None = setting(
        Under("instance", "register-changed"),
        "a small file the processes of one installation share: each raises a counter in it after a change, and"
        " every server process sees the change at its next request; empty: none (then within a quarter second)",
    )
    EXAMPLES_FILE: Path = setting(Under("repository", "data/voorbeeldgroepen.geojson"), "the example groups")
    PDOK_URL: str = setting(PDOK_LOCATIESERVER, "PDOK Locatieserver base URL; empty turns it off")
    PDOK_TIMEOUT: float = setting(3.0, "seconds to wait for the Locatieserver (never more than 3)")
    TILES: str = setting(
        "pdok", "basemap: `pdok` (BRT-Achtergrondkaart), `none`, or a URL template `.../{z}/{x}/{y}.png`"
    )
    TILES_ATTRIBUTION: str = setting(PDOK_BRT_ATTRIBUTION, "attribution shown for the basemap")
    VENDOR_DIR: Path = setting(Under("repository", "node_modules"), "where npm installed the front-end packages")
    CONTENT_DIR: Path = setting(Under("repository", "content"), "the Markdown files of the information pages")
    CONTACT_EMAIL: str = setting("veiligheid@belcombinatie.nl", "the municipality's contact address")
    CONTACT_PHONE: str = setting("14 035", "the municipality's contact phone number")
    PUBLIC_URL: str = setting(
        "", "the site's address for links in e-mail; empty: the address `geo-registry serve` was started on"
    )
    MAIL_HOST: str = setting("", "SMTP server; empty: every message is written to MAIL_OUTBOX instead")
    MAIL_PORT: int = setting(25, "SMTP port")
    MAIL_TLS: str = setting("none", "SMTP encryption", choices=("none", "starttls", "ssl"))
    MAIL_USER: str = setting("", "SMTP login; empty: none")
    MAIL_PASSWORD: str = setting("", "SMTP password")
    MAIL_SENDER: str = setting(
        "WhatsApp-buurtpreventie Laren <noreply@belcombinatie.nl>",
        "From address; with several municipalities its address under the name `WhatsApp-buurtpreventie <municipality>`"
        " of the group's own (or REGIO_NAAM)",
    )
    MAIL_OUTBOX: Path = setting(Under("instance", "outbox"), "with no SMTP server: one .eml file per message here")
    MAIL_TIMEOUT: float = setting(10.0, "seconds to wait for the SMTP server")
    MAIL_RETENTION_DAYS: int = setting(14, "an undeliverable message is dropped after this many days")
    ACCESS_LOG_RETENTION_DAYS: int = setting(
        365, "an entry of the access log (who saw personal data) is deleted after this many days (30 at the least)"
    )
    MAIL_POLL_SECONDS: float = setting(
        2.0, "how often the worker (`geo-registry worker`) looks for queued mail: new messages and retries that are due"
    )
    CONFIRM_MAX_AGE_HOURS: int = setting(48, "how long an e-mail confirmation link works")
    LOGIN_LIMIT: int = setting(5, "logins per 15 minutes per client")
    LOGIN_BACKOFF_MAX_SECONDS: int = setting(
        900,
        "the longest wait an account's failed logins impose before its next attempt is checked (2^n s, no lock-out)",
    )
    PASSWORD_MIN_LENGTH: int = setting(12, "the fewest characters a staff password may have")
    SESSION_IDLE_MINUTES: int = setting(30, "a staff session ends after this many minutes without a request")
    SESSION_MAX_HOURS: int = setting(10, "a staff session ends this many hours after the login, used or not")
    SECOND_FACTOR_FRESH_MINUTES: int = setting(
        10, "changing a password, roles or someone's second factor asks for the code again after this many minutes"
    )
    JOIN_LIMIT: int = setting(5, "join requests per hour per client (and per day per e-mail address typed)")
    JOIN_GROUP_LIMIT: int = setting(20, "join requests one group's beheerder gets per hour, from all clients together")
    REGISTER_LIMIT: int = setting(5, "registrations per hour per client (and per day per e-mail address typed)")
    HANDOVER_LIMIT: int = setting(3, "handovers sent per hour, per client and per personal link")
    RATELIMIT_STORAGE_URI: str = setting(
        "memory://",
        "where Flask-Limiter keeps its counts: `memory://` (one process), or e.g. `redis://host:6379` for several",
        flask=True,
        blank_is_default=True,
    )
    MAX_CONTENT_LENGTH: int = setting(2 * 1024 * 1024, "bytes a request body may have", flask=True)
    MAX_FORM_MEMORY_SIZE: int = setting(
        500_000, "bytes one form field (a drawn area) may have; the page that refuses more says 500 kB", flask=True
    )
    MAP_EMBED_LIMIT: int = setting(
        3000, "up to this many groups and buurten together a map carries them in the page; above it, per tile"
    )
    SESSION_COOKIE_SECURE: bool = setting(
        False, "always mark the session cookie Secure (HTTPS requests anyway)", flask=True
    )
    TRUST_PROXY: bool = setting(False, "trust one reverse proxy's X-Forwarded-For/Proto/Host")
    PROXY_ADDRESSES: str = setting(
        "127.0.0.1,::1",
        "with TRUST_PROXY: the reverse proxy's addresses or networks (comma separated, e.g. `10.0.0.5,10.1.0.0/16`);"
        " X-Forwarded-* from any other client are ignored (also gunicorn's `forwarded_allow_ips`)",
        blank_is_default=True,
    )
    WORKERS: int = setting(
        0, "server processes of `geo-registry serve` (its `--workers`); 0: WORKERS_PER_CORE per core"
    )
    WORKERS_PER_CORE: float = setting(1.0, "with WORKERS 0: server processes per processor core this process may use")
    THREADS: int = setting(4, "threads per server process (gunicorn's gthread worker; its `--threads`)")
    WORKER_TIMEOUT: int = setting(30, "seconds a server process may stop answering its master before it is replaced")
    GRACEFUL_TIMEOUT: int = setting(30, "seconds running requests get to finish when the server stops or reloads")
    # A new process builds its snapshot of the register at its first lookup: seconds of processor time at national
    # size, which at 10,000 requests (~10 s of full load) cost the rest a third of the machine (issue 24).
    MAX_REQUESTS: int = setting(1_000_000, "a server process is replaced after this many requests (0: never)")
    MAX_REQUESTS_JITTER: int = setting(
        100_000, "up to this many more, chosen per process, so they are not all replaced at once"
    )
    LIMIT_REQUEST_LINE: int = setting(4094, "bytes of a request line (method, path and query) the server accepts")
    LIMIT_REQUEST_FIELDS: int = setting(100, "header fields of a request the server accepts")
    LIMIT_REQUEST_FIELD_SIZE: int = setting(8190, "bytes of one header field the server accepts")
    MEMBER_LIMIT: int = setting(1024, "WhatsApp's member limit per group")
    SLIVER_M2: float = setting(
        100.0,
        "an overlap of a group with a buurt (or another group) smaller than this many m² *and* than SLIVER_PERCENT "
        "of the buurt is a sliver: it counts nowhere (areas of picked buurten share their edges)",
    )
    SLIVER_PERCENT: float = setting(
        1.0,
        "with SLIVER_M2: the share of the buurt (or of the area, between groups) in percent under which it is a sliver",
    )
    CONFIRM_INTERVAL_DAYS: int = setting(365, "days between a group's yearly confirmations")
    RENEWAL_LINK_DAYS: int = setting(
        60, "days to answer the yearly e-mail: a beheerder's personal link works CONFIRM_INTERVAL_DAYS plus these"
    )
    READY_MAIL_AGE_SECONDS: int = setting(
        0,
        "/readyz answers 503 when the oldest queued e-mail waits longer than this; 0 (default): mail is not checked"
        " (every server would fail at once; alert on the mail queue metric instead)",
    )
    METRICS_ALLOW: str = setting(
        "127.0.0.1,::1", "addresses or networks (comma-separated) that may read /metrics; empty: none"
    )
    METRICS_TOKEN: str = setting("", "a bearer token that opens /metrics from any address; empty: no token")
    LOG_FORMAT: str = setting("text", "the request log: one line of text, or JSON", choices=("text", "json"))
    OIDC_ISSUER: str = setting(
        "",
        "the issuer of the municipality's identity provider (OpenID Connect; docs/staff-sign-in-oidc.md); empty: none",
    )
    OIDC_CLIENT_ID: str = setting("", "the app's client id at the identity provider")
    OIDC_CLIENT_SECRET: str = setting("", "the app's client secret at the identity provider")
    OIDC_SCOPE: str = setting(
        "openid profile email", "the scopes asked of the identity provider", blank_is_default=True
    )
    OIDC_ROLES_CLAIM: str = setting(
        "roles", "the claim of the ID token whose values give the roles (OIDC_ROLE_MAP)", blank_is_default=True
    )
    OIDC_ROLE_MAP: str = setting(
        "", "claim values to roles, e.g. `gr-beleid=beleidsmedewerker,gr-inzage=inzage,gr-admin=functioneel-beheerder`"
    )
    OIDC_TIMEOUT: float = setting(5.0, "seconds in total to wait for each call to the identity provider")
    LOCAL_LOGIN: bool = setting(
        True, "with OIDC_ISSUER set: also the login with a username and password here (the first administrator)"
    )
    CONTACT_PER_GEMEENTE: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def contact_email(self, code: str) -> str:
        """One served municipality's contact address: CONTACT_EMAIL_<code>, else CONTACT_EMAIL."""
        return self.CONTACT_PER_GEMEENTE.get(f"CONTACT_EMAIL_{code}") or self.CONTACT_EMAIL

    def contact_phone(self, code: str) -> str:
        """One served municipality's contact phone number: CONTACT_PHONE_<code>, else CONTACT_PHONE."""
        return self.CONTACT_PER_GEMEENTE.get(f"CONTACT_PHONE_{code}") or self.CONTACT_PHONE

    def oidc_role_map(self) -> dict[str, tuple[str, ...]]:
        """OIDC_ROLE_MAP as claim value -> roles; raise ValueError for an entry that is not `value=role`."""
        return pairs(self.OIDC_ROLE_MAP)

    def for_flask(self) -> dict:
        """The settings Flask or one of its extensions reads from app.config."""
        return {f.name: getattr(self, f.name) for f in settings_fields() if f.metadata["flask"]}

    def changed(self, **values) -> Settings:
        """A copy with these settings changed, each parsed as at start (empty: as it was)."""
        known = {f.name: f for f in settings_fields()}
        parsed = {name: parse(known[name], value, getattr(self, name)) for name, value in values.items()}
        return dataclasses.replace(self, **parsed)


def pairs(text: str) -> dict[str, tuple[str, ...]]:
    """`a=x,b=y,a=z` as {a: (x, z), b: (y,)}; raise ValueError for an entry without a value on both sides."""
    mapping: dict[str, tuple[str, ...]] = {}
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        key, sign, value = (part.strip() for part in entry.partition("="))
        if not sign or not key or not value:
            raise ValueError(f"{entry!r} is niet van de vorm waarde=rol")
        mapping[key] = (*mapping.get(key, ()), value)
    return mapping


def settings_fields() -> list[dataclasses.Field]:
    """The fields that are settings one by one (not the per-municipality contacts)."""
    return [f for f in dataclasses.fields(Settings) if "meaning" in f.metadata]


@functools.cache
def type_hints() -> dict[str, typing.Any]:
    """The settings' types, resolved once per process: resolving them per field made every app start 0.1 s slower
    (each call evaluates every annotation of Settings)."""
    return typing.get_type_hints(Settings)


def kind_of(item: dataclasses.Field) -> tuple[type, bool]:
    """A field's type, and whether it may be None (empty)."""
    hint = type_hints()[item.name]
    args = typing.get_args(hint)
    if type(None) in args:
        return next(a for a in args if a is not type(None)), True
    return hint, False


def refuse(item: dataclasses.Field, value, problem: str) -> StartupRefused:
    """The start refused for a value that does not parse: the variable, the value's problem and an example."""
    example = default_text(item) if item.default not in (None, "") else "…"
    return StartupRefused(f"{PREFIX}{item.name}={value!r}: {problem} (bijvoorbeeld {PREFIX}{item.name}={example})")


def parse(item: dataclasses.Field, value, default):
    """One setting's value as its type, from text (the environment) or a value (a test mapping); default: what
    an empty value means where it means the default."""
    kind, optional = kind_of(item)
    if isinstance(value, str) and kind is not str:
        value = value.strip()
    if value is None or value == "":
        if optional:
            return None
        if value is None or kind is not str or item.metadata["blank_is_default"] or item.metadata["choices"]:
            return default
        return value
    if kind is bool:
        return parse_bool(item, value)
    if kind in (int, float):
        return parse_number(item, kind, value)
    if kind is Path:
        if not isinstance(value, str | Path):
            raise refuse(item, value, "is geen pad")
        return Path(value)
    if not isinstance(value, str):
        raise refuse(item, value, "is geen tekst")
    if item.metadata["choices"]:
        value = value.strip().lower()
        if value not in item.metadata["choices"]:
            raise refuse(item, value, f"is niet een van {', '.join(item.metadata['choices'])}")
    return value


def parse_bool(item: dataclasses.Field, value) -> bool:
    """A yes/no setting: true/false, 1/0, yes/no, ja/nee (any case), or a bool."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE | FALSE:
        return text in TRUE
    raise refuse(item, value, "is geen ja/nee-waarde (true/false, 1/0, yes/no, ja/nee)")


def parse_number(item: dataclasses.Field, kind: type, value):
    """A whole number (int) or a number (float), never negative."""
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError
        number = kind(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
    except ValueError:
        raise refuse(item, value, "is geen geheel getal" if kind is int else "is geen getal") from None
    if not math.isfinite(number) or number < 0:
        raise refuse(item, value, "moet een getal van 0 of meer zijn")
    return number


def from_environment_text(item: dataclasses.Field, text: str):
    """An environment value for a text setting: a JSON string ("...") unquoted, as Flask read it before."""
    kind, _optional = kind_of(item)
    if kind is str and len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def load(
    instance_path: str | Path, environ: Mapping[str, str], overrides: Mapping | None = None, flask_keys=frozenset()
) -> Loaded:
    """Parse the settings once: defaults, then GEO_REGISTRY_* in environ, then overrides (a test mapping).
    Returns them with the keys that are not ours (flask_keys: Flask's own), for app.config; reports unknown
    variables in the log."""
    known = {f.name: f for f in settings_fields()}
    defaults = {name: resolved_default(item, instance_path) for name, item in known.items()}
    values, per_gemeente, passed = dict(defaults), {}, {}
    for variable in sorted(environ):
        if not variable.startswith(PREFIX):
            continue
        name, text = variable.removeprefix(PREFIX), environ[variable]
        if name in known:
            values[name] = from_environment_text(known[name], text)
        elif PER_GEMEENTE.fullmatch(name):
            per_gemeente[name] = text
        elif name in flask_keys or name.startswith(EXTENSION_PREFIXES):
            passed[name] = flask_value(text)
            warn_if_mistyped(name, known)
        elif name not in ELSEWHERE:
            report_unknown(name, known)
    for name, value in (overrides or {}).items():
        if name in known:
            values[name] = value
        elif PER_GEMEENTE.fullmatch(name):
            per_gemeente[name] = value
        else:
            passed[name] = value
    parsed = {name: parse(known[name], value, defaults[name]) for name, value in values.items()}
    return Loaded(Settings(**parsed, CONTACT_PER_GEMEENTE=MappingProxyType(per_gemeente)), passed)


class Loaded(typing.NamedTuple):
    """The parsed settings and the keys for Flask and its extensions that are not ours."""

    settings: Settings
    flask: dict


def resolved_default(item: dataclasses.Field, instance_path: str | Path):
    """A setting's default for an app whose instance folder is instance_path, as its type."""
    default = item.default.resolve(instance_path) if isinstance(item.default, Under) else item.default
    return parse(item, default, None) if isinstance(default, str) and default else default


def flask_value(text: str):
    """A value for Flask, read as Flask's from_prefixed_env reads it: JSON where it parses, otherwise text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def report_unknown(name: str, known: Mapping) -> None:
    """Log an unknown GEO_REGISTRY_* variable, with the closest setting's name where there is one."""
    close = difflib.get_close_matches(name, list(known) + list(ELSEWHERE), n=1)
    hint = f"; did you mean {PREFIX}{close[0]}?" if close else ""
    log.warning("Unknown setting %s%s is ignored%s", PREFIX, name, hint)


def warn_if_mistyped(name: str, known: Mapping) -> None:
    """Log a variable given to Flask that is very like one of our settings (RATELIMIT_STORAGE_URL)."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.85)
    if close:
        log.warning("%s%s is given to Flask as it is; did you mean %s%s?", PREFIX, name, PREFIX, close[0])


def default_text(item: dataclasses.Field) -> str:
    """A setting's default as the documentation shows it."""
    default = item.default
    if isinstance(default, bool):
        return "true" if default else "false"
    return "" if default is None else str(default)


def markdown() -> str:
    """docs/configuration.md: every setting with its variable, type, default and meaning."""
    from geo_registry.core import settings_doc

    return settings_doc.render(settings_fields(), kind_of, default_text, ELSEWHERE)


if __name__ == "__main__":  # python -m geo_registry.core.settings > docs/configuration.md
    sys.stdout.write(markdown())
