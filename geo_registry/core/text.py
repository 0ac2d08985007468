"""Translatable text for the domain code, without Flask: the web layer plugs in the translator."""

from __future__ import annotations

from functools import cache


def _untranslated(msgid: str, **params) -> str:
    return msgid % params if params else msgid


_translator = _untranslated
_language_source = None


def set_translator(translator) -> None:
    """Install the function that translates a msgid (with %(name)s params) into the current language."""
    global _translator
    _translator = translator


def set_language_source(source) -> None:
    """Install the function that tells the current language ('nl' or 'en'); numbers in notes follow it."""
    global _language_source
    _language_source = source


def language() -> str:
    """The current language: the request's when the web layer set a source, else Dutch (the source language)."""
    return _language_source() if _language_source else "nl"


def _(msgid: str, **params) -> str:
    """Translate msgid (Dutch, the source language) and fill in its %(name)s params."""
    return _translator(msgid, **params)


def N_(msgid: str) -> str:
    """Mark msgid for translation where it is defined; it is translated where it is shown."""
    return msgid


def single_line(value) -> str:
    """Return value as one line: every run of whitespace (CR, LF, U+2028, ...) one space, no control characters."""
    # str.split() splits on every character str.splitlines() breaks on, so nothing that ends a line survives;
    # the remaining control characters (NUL, ESC, ...) have no place in a name either.
    return "".join(c for c in " ".join(str(value or "").split()) if c.isprintable())


@cache
def translator_for(lang: str, folder: str):
    """Return a function that translates a msgid (with %(name)s params) into lang, from the catalogues in folder."""
    from babel.support import Translations

    catalogue = Translations.load(folder, [lang], "messages")

    def translate(msgid: str, **params) -> str:
        """Translate msgid into the fixed language."""
        text = catalogue.gettext(msgid)
        return text % params if params else text

    return translate
