"""`make mutation`: how many small deliberate bugs (mutants) the fast tests catch in the modules that carry the
promises. Runs mutmut (configured under [tool.mutmut] in pyproject.toml) and prints, per module,
"killed/total (pct)" and the mutants that survived. A benchmark, not part of `make test`.

    python bench/mutation.py              run mutmut (resuming an earlier run), then report
    python bench/mutation.py --report     only report on the last run
    python bench/mutation.py --diffs      report with the change each survivor makes
    python bench/mutation.py 'geo_registry.tokens.*'   run (again) only the mutants matching these names or globs
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.85
# What each module promises, as the issue names it; the files must match [tool.mutmut] only_mutate.
MODULES = {
    "geo_registry/security.py": "CSRF, rate limits, session cookie",
    "geo_registry/web/sessions.py": "staff sessions (Flask-Login)",
    "geo_registry/staff.py": "staff accounts, session versions",
    "geo_registry/tokens.py": "signed links",
    "geo_registry/areas.py": "area checks",
    "geo_registry/area_index.py": "the point index",
    "geo_registry/spatial.py": "snapshots: point answers, updates by difference",
    "geo_registry/coverage.py": "coverage",
    "geo_registry/mail.py": "mail queue and delivery (privacy)",
    "geo_registry/mail_compose.py": "mail composition (privacy)",
    "geo_registry/lookup/__init__.py": "address sources",
    "geo_registry/lookup/local.py": "address sources: local table",
    "geo_registry/lookup/model.py": "address sources: parsing",
    "geo_registry/lookup/pdok.py": "address sources: PDOK",
}
KILLED = {1, 3, 36, 37, 24, -24, 152, 255}  # a failing test, pytest's internal error, a timeout, the type check
SKIPPED = {34}


def mutmut() -> Path:
    """The mutmut command beside this Python (installed by `pip install -e '.[mutation]'`)."""
    return Path(sys.executable).with_name("mutmut")


def results(path: str) -> dict[str, int | None]:
    """Exit code of the tests for each mutant of path (None: not run yet), from mutmut's meta file."""
    meta = ROOT / "mutants" / (path + ".meta")
    if not meta.exists():
        return {}
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def accepted() -> set[str]:
    """Survivors the README names as harmless (mutant names in backticks in its mutation section)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"`(geo_registry\.[\w.]+__mutmut_\d+)`", text))


def report(diffs: bool) -> bool:
    """Print the share killed per module and the survivors; return whether every module met the target."""
    ok, harmless = True, accepted()
    print(f"{'module':36} {'killed/total':>14}  {'unnamed':>7}  {'not run':>7}  promise")
    for path, promise in MODULES.items():
        codes = {name: code for name, code in results(path).items() if code not in SKIPPED}
        checked = {name: code for name, code in codes.items() if code is not None}
        killed = sum(code in KILLED for code in checked.values())
        # Survivors the README does not name: each must be killed by a test or named there with its reason.
        unnamed = sum(code not in KILLED and name not in harmless for name, code in checked.items())
        total = len(checked)
        share = killed / total if total else 0.0
        ok = ok and share >= TARGET and total == len(codes) and not unnamed
        print(f"{path:36} {killed:>5}/{total:<5} ({share:6.1%})  {unnamed:>7}  {len(codes) - total:>7}  {promise}"
              + ("" if share >= TARGET else "  < 85%"))
    for path in MODULES:
        survivors = sorted(name for name, code in results(path).items() if code not in KILLED | SKIPPED | {None})
        for name in survivors:
            code = results(path)[name]
            label = {0: "survived", 33: "no tests", 5: "no tests"}.get(code, f"exit {code}")
            print(f"  {label:9} {name}" + ("  (named in the README)" if name in harmless else ""))
            if diffs:
                subprocess.run([str(mutmut()), "show", name], cwd=ROOT, check=False)
    return ok


def main() -> int:
    """Run mutmut unless asked only to report, then report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="only report on the last run")
    parser.add_argument("--diffs", action="store_true", help="show the change each survivor makes")
    parser.add_argument("--max-children", default="1", help="parallel test processes (default 1: a shared machine)")
    parser.add_argument("--trust-clean", action="store_true",
                        help="skip mutmut's run of the unmutated tests (only right after they passed)")
    parser.add_argument("mutants", nargs="*", help="only these mutants (names or globs); "
                        "mutmut runs named mutants again even when they have a result")
    args = parser.parse_args()
    if not args.report:
        os.nice(5)  # a benchmark on a shared machine: let interactive work go first
        if args.trust_clean:
            os.environ["MUTMUT_TRUST_CLEAN"] = "1"
        # mutmut's own command line, through bench/mutmut_cli.py (a fix its max_stack_depth needs)
        subprocess.run([sys.executable, str(ROOT / "bench" / "mutmut_cli.py"), "run", "--max-children",
                        args.max_children, *args.mutants], cwd=ROOT, check=False)
    met = report(args.diffs)
    print(f"target {TARGET:.0%} killed in every module: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
