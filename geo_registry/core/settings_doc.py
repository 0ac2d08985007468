"""docs/configuration.md, written from the settings' fields (geo_registry/core/settings.py) so that it cannot
fall behind them; tests/test_settings_doc.py checks the file is in step."""

from __future__ import annotations

from pathlib import Path

REGENERATE = "python -m geo_registry.core.settings > docs/configuration.md"
TYPE_NAMES = {str: "text", int: "whole number", float: "number", bool: "yes/no", Path: "path"}

INTRODUCTION = f"""# Configuration

<!-- Made from geo_registry/core/settings.py by `{REGENERATE}`; do not edit by hand. -->

Every setting has a default and can be overridden by the environment variable of its name with the prefix
`GEO_REGISTRY_`. The app reads them once, as it starts: the defaults, then the environment, then (in the tests)
the mapping given to `create_app`.

- **Types.** A whole number or a number is written as digits (`25`, `2.5`), never negative; a yes/no setting as
  `true`/`false`, `1`/`0`, `yes`/`no` or `ja`/`nee`, in any case. Left empty (`GEO_REGISTRY_MAIL_PORT=`), a
  number, a yes/no setting, a path or a choice means its default; a text left empty, or a setting whose type
  says "may be empty", is empty, with the meaning given below. A text may also be written as a JSON string
  (`"..."`).
- **Refusal.** A value that does not parse stops the start with one line naming the variable, what is wrong and
  an example, e.g. `Fout: GEO_REGISTRY_MAIL_PORT='vijf': is geen geheel getal (bijvoorbeeld
  GEO_REGISTRY_MAIL_PORT=25)`.
- **Unknown variables.** A `GEO_REGISTRY_*` variable that is none of these is named in a warning in the log as the
  app starts (with "did you mean ...?" when it is close to a setting's name) and ignored. It does not stop the
  start: the same environment often serves more than one version of the app (a rollback must not fail on a
  variable only the newer version knows), and the warning already points at the typing error.
- **Flask's own settings** and those of its extensions (names starting with `WTF_`, `RATELIMIT_`, `BABEL_`,
  `COMPRESS_` or `SESSION_`, e.g. `GEO_REGISTRY_WTF_CSRF_TIME_LIMIT`) are given to Flask as they are (read as
  JSON where they parse as JSON, otherwise as text).
"""

OTHERS = """
## Also read

| environment variable | meaning |
|---|---|
| `GEO_REGISTRY_CONTACT_EMAIL_GM0376`, `GEO_REGISTRY_CONTACT_PHONE_GM0376` (any served code) \
| one municipality's own contact, shown where a resident of it has no group yet and in the mail and on the \
poster of its groups; default `CONTACT_EMAIL`, `CONTACT_PHONE` |
"""


def cell(text: str) -> str:
    """Text for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def type_name(item, kind_of) -> str:
    """A setting's type in words."""
    kind, optional = kind_of(item)
    if item.metadata["choices"]:
        name = "one of " + ", ".join(f"`{c}`" for c in item.metadata["choices"])
    else:
        name = TYPE_NAMES[kind]
    return f"{name}, may be empty" if optional else name


def render(fields, kind_of, default_text, elsewhere: dict) -> str:
    """The whole document: the rules, then one table row per setting."""
    rows = ["## Settings", "", "| setting | environment variable | type | default | meaning |", "|---|---|---|---|---|"]
    for item in fields:
        default = default_text(item)
        shown = f"`{cell(default)}`" if default else "(empty)"
        flask = " (also given to Flask)" if item.metadata["flask"] else ""
        rows.append(
            f"| `{item.name}` | `GEO_REGISTRY_{item.name}` | {type_name(item, kind_of)} | {shown} "
            f"| {cell(item.metadata['meaning'])}{flask} |"
        )
    others = [f"| `GEO_REGISTRY_{name}` | {cell(meaning)} |" for name, meaning in elsewhere.items()]
    return INTRODUCTION + "\n" + "\n".join(rows) + "\n" + OTHERS + "\n".join(others) + "\n"
