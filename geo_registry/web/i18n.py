"""Languages: Dutch first, English complete. Message catalogues in translations/ (Babel)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import flask_babel
from flask import Blueprint, g, has_request_context, redirect, request
from flask_babel import Babel, get_locale
from flask_babel import gettext as babel_gettext

from geo_registry.core import formats, text
from geo_registry.core.config import ROOT
from geo_registry.web.redirects import local_target

LANGUAGES = ("nl", "en")
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
COOKIE = "taal"
# Links that carry no ?lang=: files, and the switch itself (it chooses a language).
# Files, the language switch itself, and the sign-in callback: the identity provider compares that URL with the
# one registered for this site, character for character.
NOT_CARRYING = {"static", "vendor.asset", "i18n.switch", "oidc.callback"}

bp = Blueprint("i18n", __name__)


def translate(msgid: str, **params) -> str:
    """Translate msgid into the request's language (Dutch, the source language, outside a request)."""
    if has_request_context():
        return babel_gettext(msgid, **params)
    return msgid % params if params else msgid


def select_locale() -> str:
    """The language: ?lang=, then the remembered choice, then the browser's preference, then Dutch.
    The public API remembers nothing: there only ?lang= and Accept-Language count (so caches need no cookie)."""
    from geo_registry.web.api.http import is_api_path

    remembered = None if is_api_path(request.path) else request.cookies.get(COOKIE)
    for choice in (request.args.get("lang"), remembered):
        if choice in LANGUAGES:
            return choice
    return request.accept_languages.best_match(LANGUAGES, default="nl")


def current_language() -> str:
    """The language of this request ('nl' or 'en')."""
    return str(get_locale() or "nl") if has_request_context() else "nl"


@bp.get("/taal/<lang>")
def switch(lang: str):
    """Remember the chosen language for a year and go back to where the visitor was."""
    response = redirect(without_language(local_target(request.args.get("next"), "/")))
    if lang in LANGUAGES:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True, secure=request.is_secure)
    return response


def without_language(target: str) -> str:
    """The local path target without its ?lang=, which would otherwise outvote the language just chosen."""
    parts = urlsplit(target)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "lang"]
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


def asked_language() -> str | None:
    """The language the request asks for with ?lang= (a shared link, a bookmark), or None."""
    if not has_request_context():
        return None
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else None


def keep_asked_language(endpoint: str, values: dict) -> None:
    """URL defaults: a page asked for with ?lang= keeps that language on every link it makes, also for a
    visitor who refuses the language cookie."""
    if endpoint in NOT_CARRYING or "lang" in values:
        return
    asked = asked_language()
    if asked:
        values["lang"] = asked


def when(value) -> str:
    """Jinja filter: a stored UTC time as "26 november 2026 om 13:45" / "26 November 2026, 13:45" in the app's
    time zone (BABEL_DEFAULT_TIMEZONE); '' for none."""
    stamp = formats.moment(value)
    if stamp is None:
        return str(value or "")
    return flask_babel.format_datetime(stamp, formats.pattern_for(current_language()))


def day(value) -> str:
    """Jinja filter: the date of a stored UTC time in the app's time zone, "26 november 2026"."""
    stamp = formats.moment(value)
    if stamp is None:
        return str(value or "")
    return flask_babel.format_datetime(stamp, formats.DAY)


def number(value, digits: int = 0) -> str:
    """Jinja filter: a number with the thousands separator and decimal sign of the page's language."""
    return flask_babel.format_decimal(value, formats.number_pattern(digits))


def percent(share, digits: int = 1) -> str:
    """Jinja filter: a share (0.52) as "52,0%" / "52.0%"."""
    return flask_babel.format_percent(share, formats.number_pattern(digits) + "%")


def mobile(value) -> str:
    """Jinja filter: a stored mobile number as the page's language writes it (06 12345678, +31 6 12345678), kept on
    one line."""
    return unbroken(formats.mobile(value, current_language()))


def unbroken(value) -> str:
    """Join the parts of a phone number with no-break spaces, so that '14 035' never ends a line at '14'."""
    return str(value or "").replace(" ", "\u00a0")


def request_catalogue():
    """This request's catalogue for its templates. Flask-Babel looks up the request's context, locale and its
    cache of catalogues again for every string a template translates (some 60 for a registration; issue 24): here
    once per request and locale (a locale forced within the request gets its own)."""
    locale = get_locale()
    held = g.get("_geo_catalogue")
    if held is None or held[0] is not locale:
        held = g._geo_catalogue = (locale, flask_babel.get_translations())
    return held[1]


def install_template_gettext(app) -> None:
    """The templates' _(), ngettext() and pgettext() as Flask-Babel's, through request_catalogue()."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_catalogue().ugettext(s),
        ngettext=lambda s, p, n: request_catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_catalogue().unpgettext(c, s, p, n),
    )


def init_app(app) -> None:
    """Set up Babel with the project's catalogues, time zone and filters, and the language switch."""
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", formats.TIMEZONE)
    Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
        default_domain="messages",
    )
    install_template_gettext(app)
    app.register_blueprint(bp)
    text.set_translator(translate)
    text.set_language_source(current_language)
    app.jinja_env.globals.update(
        current_language=current_language, asked_language=asked_language, LANGUAGE_NAMES=LANGUAGE_NAMES
    )
    app.url_defaults(keep_asked_language)
    app.jinja_env.filters.update(when=when, day=day, number=number, percent=percent, unbroken=unbroken, mobile=mobile)

    @app.after_request
    def vary_on_language(response):
        """Tell caches that the page depends on the language (the API sets its own Vary)."""
        from geo_registry.web.api.http import is_api_path

        if not is_api_path(request.path):
            response.headers.add("Vary", "Accept-Language, Cookie")
        return response
