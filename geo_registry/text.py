"""Translatable text for the domain code, without Flask: the web layer plugs in the translator."""
from __future__ import annotations


def _untranslated(msgid: str, **params) -> str:
    return msgid % params if params else msgid


_translator = _untranslated


def set_translator(translator) -> None:
    """Install the function that translates a msgid (with %(name)s params) into the current language."""
    global _translator
    _translator = translator


def _(msgid: str, **params) -> str:
    """Translate msgid (Dutch, the source language) and fill in its %(name)s params."""
    return _translator(msgid, **params)


def N_(msgid: str) -> str:
    """Mark msgid for translation where it is defined; it is translated where it is shown."""
    return msgid
