"""The layers: domain code (geometry, coverage, lookup, import, mail composition) imports no Flask."""

import pkgutil
import subprocess
import sys

import geo_registry

# The modules that make up the web layer and the command line; everything else is domain code.
WEB_LAYER = {
    "geo_registry.web",
    "geo_registry.cli",
    "geo_registry.__main__",
    "geo_registry.web.i18n",
    "geo_registry.web.security",
    "geo_registry.web.services",
}


def domain_modules() -> list[str]:
    """Every module of the package outside the web layer (new modules are domain code by default)."""
    names = []
    for info in pkgutil.walk_packages(geo_registry.__path__, "geo_registry."):
        if info.name == "geo_registry.store.migrations.env":  # Alembic's script: runs only inside a migration
            continue
        if not any(info.name == web or info.name.startswith(web + ".") for web in WEB_LAYER):
            names.append(info.name)
    return sorted(names)


def test_domain_modules_import_without_flask():
    modules = domain_modules()
    assert {
        "geo_registry.core.geometry",
        "geo_registry.spatial.coverage",
        "geo_registry.mail.delivery",
        "geo_registry.lookup.pdok",
    } <= set(modules)
    # Flask made unimportable: any domain module that imports it (directly or through another) fails.
    script = (
        "import importlib, sys\n"
        "for name in ('flask', 'flask_babel', 'flask_wtf', 'flask_login', 'flask_limiter'): sys.modules[name] = None\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
