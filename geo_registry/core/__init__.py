"""Shared kernel of every layer: settings, errors, translatable text, formats and geometry helpers (no Flask)."""
