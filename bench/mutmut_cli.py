"""mutmut's command line, with one fix that `max_stack_depth` (pyproject.toml) needs.

mutmut 3.8's depth count resolves every frame's file name strictly, so a mutated function called while a module
is being imported (a decorator argument such as `limit_per(...)` in web/staff.py) meets the frame
`<frozen importlib._bootstrap>` and stops the stats run with FileNotFoundError. This counts the same frames (the
package's own code under mutants/, up to the first pytest frame) without requiring the file to exist.
Used by bench/mutation.py; mutmut forks its test processes from this one, so they inherit the fix.

With MUTMUT_TRUST_CLEAN=1 (`bench/mutation.py --trust-clean`) the run skips mutmut's "clean tests" step, which
runs every test associated with the named mutants once on the unmutated code (the whole fast suite for a plain
resume, 10 minutes and more on a shared machine): only when the tests just passed, e.g. in the stats run.
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


def trusting_clean_tests(make_runner):
    """Wrap mutmut's runner factory so that its runners report the clean tests as passed without running them."""

    def make(*args, **kwargs):
        runner = make_runner(*args, **kwargs)
        runner.run_clean_tests = lambda tests: 0
        return runner

    return make


if __name__ == "__main__":
    trampoline.record_trampoline_hit = record_trampoline_hit
    import mutmut.__main__
    from mutmut.__main__ import cli

    if os.environ.get("MUTMUT_TRUST_CLEAN") == "1":
        mutmut.__main__.get_mutant_runner = trusting_clean_tests(mutmut.__main__.get_mutant_runner)

    sys.exit(cli())
