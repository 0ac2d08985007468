"""The systemd units in deploy/systemd are valid as systemd reads them (systemd-analyze verify), and the web and
worker units run the commands this software has."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geo_registry.core.config import ROOT

UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/srv/geo-registry/.venv/bin/geo-registry"


def test_the_systemd_units_are_valid(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing (Debian's systemd package)")
    here = str(Path(sys.executable).with_name("geo-registry"))  # the units' command, where this checkout has it
    names = sorted(path.name for path in UNITS.iterdir())
    assert names == [
        "geo-registry-backup.service",
        "geo-registry-backup.timer",
        "geo-registry-web.service",
        "geo-registry-worker.service",
    ]
    for name in names:
        (tmp_path / name).write_text((UNITS / name).read_text().replace(INSTALLED, here))
    done = subprocess.run(
        [analyze, "verify", "--man=no", *names], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_units_run_commands_of_this_software():
    from geo_registry.cli import COMMANDS

    commands = {command.name for command in COMMANDS}
    for name, wanted in {
        "geo-registry-web.service": ["init-db", "serve"],
        "geo-registry-backup.service": ["backup"],
        "geo-registry-worker.service": ["worker"],
    }.items():
        text = (UNITS / name).read_text()
        for command in wanted:
            assert f"{INSTALLED} {command}" in text and command in commands
