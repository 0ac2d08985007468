"""mutmut's command line, with one fix that `max_stack_depth` (pyproject.toml) needs.

mutmut 3.8's depth count resolves every frame's file name strictly, so a mutated function called while a module
is being imported (a decorator argument such as `limit_per(...)` in web/staff.py) meets the frame
`<frozen importlib._bootstrap>` and stops the stats run with FileNotFoundError. This counts the same frames (the
package's own code under mutants/, up to the first pytest frame) without requiring the file to exist.
Used by bench/mutation.py; mutmut forks its test processes from this one, so they inherit the fix.
"""
from __future__ import annotations

import inspect
import os
import sys

import mutmut.mutation.trampoline as trampoline
from mutmut.configuration import config
from mutmut.state import state


def record_trampoline_hit(name: str, caller: str | None = None) -> None:
    """Note that the running test reached name, if it did so within max_stack_depth frames of our own code."""
    depth = config().max_stack_depth
    if depth != -1:
        roots = [str(path) + os.sep for path in config().resolved_mutated_source_paths]
        frame = inspect.currentframe()
        while depth and frame:
            filename = frame.f_code.co_filename
            frame = frame.f_back
            if "pytest" in filename or "unittest" in filename:
                break
            if any(os.path.realpath(filename).startswith(root) for root in roots):
                depth -= 1
        if not depth:
            return
    state()._stats.add(name)
    if caller is not None and config().track_dependencies:
        state().function_dependencies[name].add(caller)


if __name__ == "__main__":
    trampoline.record_trampoline_hit = record_trampoline_hit
    from mutmut.__main__ import cli

    sys.exit(cli())
