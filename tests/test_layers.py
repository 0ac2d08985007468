"""The layers of the tree and the rules between them: the import-linter contracts in pyproject.toml hold."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the package in cwd with the contracts of pyproject.toml."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env={"PYTHONPATH": str(cwd), "PATH": ""})


def test_every_layer_imports_only_the_layers_below_it_and_none_below_web_imports_flask():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout


def test_the_contract_covers_every_folder_of_the_package():
    """A new folder must be placed in a layer: one left out would be free to import anything."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    folders = {p.parent.name for p in (ROOT / "geo_registry").glob("*/__init__.py")}
    modules = {p.stem for p in (ROOT / "geo_registry").glob("*.py")} - {"__init__", "__main__"}
    assert folders | modules == named


def test_a_domain_module_that_imports_flask_breaks_the_contract(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "geo_registry", copy / "geo_registry", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    module = copy / "geo_registry" / "domain" / "groups.py"
    module.write_text(module.read_text(encoding="utf-8") + "\nfrom flask import request  # noqa\n", encoding="utf-8")
    web = copy / "geo_registry" / "spatial" / "coverage.py"
    web.write_text(web.read_text(encoding="utf-8") + "\nfrom geo_registry.web import maps  # noqa\n", encoding="utf-8")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "geo_registry.domain.groups -> flask" in result.stdout
    assert "geo_registry.spatial.coverage -> geo_registry.web.maps" in result.stdout
