"""`make mutation`: how many small deliberate bugs (mutants) the fast tests catch in the modules that carry the
promises. Runs mutmut (configured under [tool.mutmut] in pyproject.toml) and prints, per module,
"killed/total (pct)" and the mutants that survived. A benchmark, not part of `make test`.

    python bench/mutation.py              run mutmut (resuming an earlier run), then report
    python bench/mutation.py --report     only report on the last run
    python bench/mutation.py --diffs      report with the change each survivor makes
    python bench/mutation.py 'geo_registry.domain.tokens.*'   run (again) only the mutants matching these names or globs
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.85
MUTANT_NAME = re.compile(r"geo_registry(\.\w+)*\.x\w*__mutmut_\d+")
# What each module promises, as the issue names it; the files must match [tool.mutmut] only_mutate.
MODULES = {
    "geo_registry/web/security.py": "CSRF, rate limits, session cookie",
    "geo_registry/web/staff/sessions.py": "staff sessions (Flask-Login)",
    "geo_registry/domain/staff.py": "staff accounts, session versions",
    "geo_registry/domain/tokens.py": "signed links",
    "geo_registry/domain/areas.py": "area checks",
    "geo_registry/spatial/area_index.py": "the point index",
    "geo_registry/spatial/register.py": "snapshots: point answers, updates by difference",
    "geo_registry/spatial/coverage.py": "coverage",
    "geo_registry/mail/delivery.py": "mail queue and delivery (privacy)",
    "geo_registry/mail/compose.py": "mail composition (privacy)",
    "geo_registry/lookup/__init__.py": "address sources",
    "geo_registry/lookup/local.py": "address sources: local table",
    "geo_registry/lookup/model.py": "address sources: parsing",
    "geo_registry/lookup/pdok.py": "address sources: PDOK",
}
KILLED = {1, 3, 36, 37, 24, -24, 152, 255}  # a failing test, pytest's internal error, a timeout, the type check
SKIPPED = {34}
TIMEOUT = 36
STAFF_TESTS = ["tests/test_staff_sessions.py", "tests/test_staff.py"]
LIMIT_TESTS = ["tests/test_limit_store.py", "tests/test_csrf_and_limits.py", "tests/test_limit_counting.py"]
# Functions whose mutants mutmut cannot tell about: they run when the views are imported (before mutmut switches a
# mutant on), or deeper below a test's create_app than max_stack_depth, so mutmut's test map gives them no test; and
# the limiter's keys, which every request passes through (mutmut would run hundreds of tests for each mutant).
# Each is run with the tests that state its promise, the mutant switched on by name (MUTANT_UNDER_TEST, read at
# import); the exit codes are kept in mutants/by_hand.json and counted with mutmut's.
BY_HAND = {
    "geo_registry.web.security.x_init_limiter__mutmut_*": LIMIT_TESTS,
    "geo_registry.web.security.x_limit_per__mutmut_*": ["tests/test_staff.py"],
    "geo_registry.web.security.x_limit_per_mailbox__mutmut_*": ["tests/test_mail_flooding.py", *LIMIT_TESTS],
    "geo_registry.web.security.x_client_address__mutmut_*": ["tests/test_limits_per_network.py", *LIMIT_TESTS],
    "geo_registry.web.security.x_posted_mailbox__mutmut_*": [
        "tests/test_limits_per_network.py",
        "tests/test_mail_flooding.py",
        *LIMIT_TESTS,
    ],
    "geo_registry.domain.staff.x_check_password__mutmut_*": STAFF_TESTS,
    "geo_registry.domain.staff.x_create_staff__mutmut_*": STAFF_TESTS,
    "geo_registry.domain.staff.x_authenticate__mutmut_*": STAFF_TESTS,
}


def mutmut() -> Path:
    """The mutmut command beside this Python (installed by `pip install -e '.[mutation]'`)."""
    return Path(sys.executable).with_name("mutmut")


def results(path: str) -> dict[str, int | None]:
    """Exit code of the tests for each mutant of path (None: not run yet), from mutmut's meta file, and for the
    mutants mutmut cannot tell about, from their run by hand when that killed them."""
    meta = ROOT / "mutants" / (path + ".meta")
    if not meta.exists():
        return {}
    codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    for name, code in by_hand_results().items():
        if name in codes and codes[name] not in KILLED:
            codes[name] = code
    return codes


def by_hand_file() -> Path:
    """Where the exit codes of the mutants run by hand are kept (beside mutmut's results, reset with them)."""
    return ROOT / "mutants" / "by_hand.json"


def module_of(name: str) -> Path:
    """The mutated copy of the module a mutant belongs to (mutants/geo_registry/....py)."""
    dotted = name.split(".x")[0] if ".x" in name else name.rsplit(".", 1)[0]
    package = ROOT / "mutants" / Path(*dotted.split("."))
    return package / "__init__.py" if package.is_dir() else package.with_suffix(".py")


def fingerprint(name: str) -> str:
    """A hash of the mutated module a mutant is in: a result by hand counts only for that same code."""
    return hashlib.sha256(module_of(name).read_bytes()).hexdigest()[:16]


def by_hand_results() -> dict[str, int]:
    """Exit code of the tests for each mutant run by hand on the module as mutated now."""
    path = by_hand_file()
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {
        name: result["exit"]
        for name, result in kept.items()
        if module_of(name).exists() and result["module"] == fingerprint(name)
    }


def tests_by_hand(name: str) -> list[str] | None:
    """The test files that state the promise of this mutant's function, if mutmut cannot tell about it."""
    return next((tests for pattern, tests in BY_HAND.items() if fnmatch.fnmatchcase(name, pattern)), None)


def run_by_hand(patterns: list[str], seconds: float = 600) -> None:
    """Run the mutants mutmut cannot tell about (and has not recorded as killed) with their tests, once each
    (again when named in patterns), and keep each exit code."""
    done = by_hand_results()
    for path in MODULES:
        for name, code in sorted(results(path).items()):
            tests = tests_by_hand(name)
            asked = any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
            if tests is None or code in KILLED or (name in done and not asked):
                continue
            command = [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "-k",
                "not postgresql",
                *tests,
            ]
            environment = {**os.environ, "MUTANT_UNDER_TEST": name, "PYTHONPATH": "."}
            try:
                code = subprocess.run(
                    command,
                    cwd=ROOT / "mutants",
                    env=environment,
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=seconds,
                ).returncode
            except subprocess.TimeoutExpired:
                code = TIMEOUT  # a test waiting for ever on the mutant: a stall is a failure
            done[name] = code
            print(f"  by hand: {name}: {'killed' if code in KILLED else 'survived'}", flush=True)
            kept = json.loads(by_hand_file().read_text(encoding="utf-8")) if by_hand_file().exists() else {}
            kept[name] = {"exit": code, "module": fingerprint(name)}
            by_hand_file().write_text(json.dumps(kept, indent=1, sort_keys=True), encoding="utf-8")


def survivors_file() -> Path:
    """The accepted survivors: each mutant's name with the reason it is harmless (docs/mutation.md)."""
    return ROOT / "bench" / "mutation_survivors.toml"


def defined_functions(module: str) -> set[str]:
    """The functions a module of the package defines, as mutmut names them: 'x_name', and 'xǁClassǁmethod'."""
    path = ROOT / Path(*module.split("."))
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    if not source.is_file():
        return set()
    names = set()
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(f"x_{node.name}")
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"x\u01c1{node.name}\u01c1{item.name}"
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
    return names


def stale(names: set[str]) -> list[str]:
    """The mutant names whose function no longer exists where the name says (moved, renamed or removed): an
    accepted survivor of code that is gone says nothing about today's code."""
    gone = []
    for name in sorted(names):
        module, _, function = name.rpartition(".")
        if function.rsplit("__mutmut_", 1)[0] not in defined_functions(module):
            gone.append(name)
    return gone


def accepted() -> set[str]:
    """Survivors named as accepted in the survivors file; a malformed entry is an error, never an empty set."""
    entries = tomllib.loads(survivors_file().read_text(encoding="utf-8")).get("accepted")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{survivors_file()}: no [[accepted]] entries")
    names: set[str] = set()
    for number, entry in enumerate(entries, 1):
        mutants, reason = entry.get("mutants"), entry.get("reason")
        # A name without its reason (or a reason naming nothing) is what the file exists to prevent.
        if not isinstance(reason, str) or not reason.strip() or not isinstance(mutants, list) or not mutants:
            raise ValueError(f"{survivors_file()}: entry {number} needs a reason and a list of mutants")
        wrong = [name for name in mutants if not isinstance(name, str) or not MUTANT_NAME.fullmatch(name)]
        if wrong:
            raise ValueError(f"{survivors_file()}: entry {number}: not a mutant name: {wrong[0]!r}")
        names.update(mutants)
    return names


def report(diffs: bool) -> bool:
    """Print the share killed per module and the survivors; return whether every module met the target."""
    ok, harmless = True, accepted()
    print(f"{'module':36} {'killed/total':>14}  {'unnamed':>7}  {'not run':>7}  promise")
    for path, promise in MODULES.items():
        codes = {name: code for name, code in results(path).items() if code not in SKIPPED}
        checked = {name: code for name, code in codes.items() if code is not None}
        killed = sum(code in KILLED for code in checked.values())
        # Survivors the survivors file does not name: each must be killed by a test or named there with its reason.
        unnamed = sum(code not in KILLED and name not in harmless for name, code in checked.items())
        total = len(checked)
        share = killed / total if total else 0.0
        ok = ok and share >= TARGET and total == len(codes) and not unnamed
        print(
            f"{path:36} {killed:>5}/{total:<5} ({share:6.1%})  {unnamed:>7}  {len(codes) - total:>7}  {promise}"
            + ("" if share >= TARGET else "  < 85%")
        )
    for path in MODULES:
        survivors = sorted(name for name, code in results(path).items() if code not in KILLED | SKIPPED | {None})
        for name in survivors:
            code = results(path)[name]
            label = {0: "survived", 33: "no tests", 5: "no tests"}.get(code, f"exit {code}")
            print(f"  {label:9} {name}" + ("  (accepted in bench/mutation_survivors.toml)" if name in harmless else ""))
            if diffs:
                subprocess.run([str(mutmut()), "show", name], cwd=ROOT, check=False)
    for name in stale(harmless):
        print(f"  stale     {name}  (its function is gone: remove it from bench/mutation_survivors.toml)")
    return ok and not stale(harmless)


def main() -> int:
    """Run mutmut unless asked only to report, then report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="only report on the last run")
    parser.add_argument("--diffs", action="store_true", help="show the change each survivor makes")
    parser.add_argument("--max-children", default="1", help="parallel test processes (default 1: a shared machine)")
    parser.add_argument(
        "--trust-clean",
        action="store_true",
        help="skip mutmut's run of the unmutated tests (only right after they passed)",
    )
    parser.add_argument(
        "mutants",
        nargs="*",
        help="only these mutants (names or globs); mutmut runs named mutants again even when they have a result",
    )
    args = parser.parse_args()
    if not args.report:
        os.nice(5)  # a benchmark on a shared machine: let interactive work go first
        if args.trust_clean:
            os.environ["MUTMUT_TRUST_CLEAN"] = "1"
        # mutmut's own command line, through bench/mutmut_cli.py (a fix its max_stack_depth needs)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "mutmut_cli.py"),
                "run",
                "--max-children",
                args.max_children,
                *args.mutants,
            ],
            cwd=ROOT,
            check=False,
        )
        run_by_hand(args.mutants)
    met = report(args.diffs)
    print(f"target {TARGET:.0%} killed in every module: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
