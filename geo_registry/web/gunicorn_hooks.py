"""gunicorn's hooks for /metrics across worker processes, in a module of their own that imports nothing heavy:
the gunicorn master of `geo-registry serve` runs them and imports neither Flask nor the app (web/serve_master.py)."""

from __future__ import annotations

import os
from pathlib import Path

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"


def child_exit(server, worker) -> None:
    """gunicorn's child_exit hook: a worker that ended leaves its live gauges behind no more."""
    if os.environ.get(MULTIPROCESS):
        from prometheus_client import multiprocess  # here: the master imports it only when a worker ends

        multiprocess.mark_process_dead(worker.pid)


def on_starting(server) -> None:
    """gunicorn's on_starting hook: clear PROMETHEUS_MULTIPROC_DIR of a previous run's processes, so that their
    counts do not add to this run's (prometheus_client's documented requirement); the files of processes still
    running (`geo-registry worker` sharing the folder) stay."""
    folder = os.environ.get(MULTIPROCESS)
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for path in Path(folder).glob("*.db"):
        if not _running(path.stem.rpartition("_")[2]):
            path.unlink(missing_ok=True)


def _running(pid: str) -> bool:
    """Whether a process with this id runs on this host."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True
