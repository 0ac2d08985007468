"""`make run`: the Procfile's processes started by honcho, the web server on the port honcho gives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from gunicorn_process import server_environment
from servers import free_port, wait_until

from geo_registry.core.config import ROOT

BIN = Path(sys.executable).parent


def procfile() -> dict[str, str]:
    """The Procfile's processes: name → command."""
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_procfile_names_the_web_server_and_the_worker():
    processes = procfile()
    assert set(processes) == {"web", "worker"}
    assert processes["web"].startswith("geo-registry serve ") and "$PORT" in processes["web"].replace("{", "")
    assert processes["worker"] == "geo-registry worker"


def test_make_run_starts_the_procfile_with_honcho_on_the_chosen_port():
    dry = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "honcho --procfile Procfile start --port 8123" in dry.stdout


@pytest.mark.slow
def test_the_procfile_web_server_answers_and_stops_with_honcho(tmp_path):
    env = {**server_environment(tmp_path), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    port = free_port()
    command = [str(BIN / "honcho"), "--procfile", str(ROOT / "Procfile"), "--app-root", str(ROOT)]
    honcho = subprocess.Popen(
        [*command, "start", "--port", str(port), "web"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: nothing is left behind whatever happens
    )
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/api/ping", timeout=5).ok, "web", process=honcho)
        honcho.send_signal(signal.SIGINT)  # Ctrl-C
        output, _ = honcho.communicate(timeout=60)
        assert "Shutting down" in output  # gunicorn's master stopped its workers
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/api/ping", timeout=5)
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()


@pytest.mark.slow
def test_the_procfile_worker_sends_what_the_web_server_queued(tmp_path):
    """make run's two processes together: a message queued in the register leaves (to the outbox folder) without
    anything else being started."""
    import sqlalchemy as sa

    from geo_registry.mail.delivery import Message, queue

    env = {**server_environment(tmp_path, MAIL_POLL_SECONDS=0.5), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    port = free_port()
    command = [str(BIN / "honcho"), "--procfile", str(ROOT / "Procfile"), "--app-root", str(ROOT)]
    log = (tmp_path / "honcho.log").open("w")
    honcho = subprocess.Popen(
        [*command, "start", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/api/ping", timeout=5).ok, "web", process=honcho)
        engine = sa.create_engine(env["GEO_REGISTRY_DATABASE_URL"])
        with engine.begin() as conn:
            queue(conn, Message("test", "bewoner@voorbeeld.invalid", "Welkom bij de buurtpreventie", "Hallo"))
        engine.dispose()
        outbox = tmp_path / "outbox"
        wait_until(lambda: any(outbox.glob("*.eml")), "the worker's delivery to the outbox", seconds=60)
        assert "Welkom bij de buurtpreventie" in next(outbox.glob("*.eml")).read_text(encoding="utf-8")
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
        log.close()
