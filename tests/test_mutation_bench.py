"""`make mutation` (bench/mutation.py) counts the mutants mutmut cannot tell about: those are run with the tests
that state their function's promise, and their result counts only for the code it was measured on."""

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import mutation  # noqa: E402

pytestmark = pytest.mark.slow  # runs pytest on mutants in processes of their own

LIMITER = "geo_registry.web.security.x_init_limiter__mutmut_"
FIELD = "geo_registry.web.security.x_csrf_field__mutmut_"


def test_mutants_mutmut_cannot_reach_are_run_by_hand_and_counted_for_their_code_only(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    monkeypatch.setattr(mutation, "MODULES", {"geo_registry/web/security.py": "rate limits"})
    monkeypatch.setattr(mutation, "BY_HAND", {LIMITER + "*": ["tests/test_store.py"]})
    package = tmp_path / "mutants" / "geo_registry" / "web"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    module = package / "security.py"
    module.write_text("import os\nMUTANT = os.environ.get('MUTANT_UNDER_TEST', '')\n")
    (tmp_path / "mutants" / "tests").mkdir()
    # A test that notices mutant 1 only (mutant 2 is a survivor).
    (tmp_path / "mutants" / "tests" / "test_store.py").write_text(
        "from geo_registry.web.security import MUTANT\n\n\ndef test_store():\n    assert not MUTANT.endswith('_1')\n"
    )
    # mutmut's record: no test reaches init_limiter; csrf_field's mutants were measured by mutmut itself.
    (package / "security.py.meta").write_text(
        json.dumps({"exit_code_by_key": {LIMITER + "1": 33, LIMITER + "2": 33, FIELD + "1": 0, FIELD + "2": 1}})
    )

    mutation.run_by_hand([])
    codes = mutation.results("geo_registry/web/security.py")
    assert codes[LIMITER + "1"] in mutation.KILLED and codes[LIMITER + "2"] == 0
    assert (codes[FIELD + "1"], codes[FIELD + "2"]) == (0, 1)  # mutmut's own results stand

    module.write_text(module.read_text() + "# the module mutated anew\n")
    assert mutation.results("geo_registry/web/security.py")[LIMITER + "1"] == 33  # measured on other code: not counted


def module_path(name: str) -> str:
    """The source file (as MODULES names it) that a mutant's name says it was made from."""
    dotted = name.split(".x")[0].replace(".", "/")
    return dotted + ".py" if dotted + ".py" in mutation.MODULES else dotted + "/__init__.py"


def test_every_accepted_survivor_is_a_mutant_of_a_measured_module_with_a_reason():
    names = mutation.accepted()
    assert names, "the survivors file names no mutant"
    # A name of a module that moved (or a typo) would never match a survivor, leaving it unaccounted for.
    stray = sorted(name for name in names if module_path(name) not in mutation.MODULES)
    assert not stray


def write_survivors(root: Path, text: str) -> None:
    """A survivors file under root, where bench/mutation.py looks for it."""
    (root / "bench").mkdir(exist_ok=True)
    (root / "bench" / "mutation_survivors.toml").write_text(text, encoding="utf-8")


def test_a_survivor_counts_as_unnamed_until_the_survivors_file_accepts_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    monkeypatch.setattr(mutation, "MODULES", {"geo_registry/web/security.py": "CSRF"})
    package = tmp_path / "mutants" / "geo_registry" / "web"
    package.mkdir(parents=True)
    (package / "security.py").write_text("")
    (tmp_path / "geo_registry" / "web").mkdir(parents=True)
    (tmp_path / "geo_registry" / "web" / "security.py").write_text("def csrf_field(): ...\n")  # the code measured
    codes = {FIELD + str(number): 0 for number in (1, 2)} | {FIELD + str(number): 1 for number in range(3, 30)}
    (package / "security.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))

    write_survivors(tmp_path, f'[[accepted]]\nreason = "stray text"\nmutants = ["{FIELD}1"]\n')
    assert not mutation.report(diffs=False)  # 93% killed, but one survivor is named nowhere
    lines = capsys.readouterr().out.splitlines()
    # killed/total (share), then unnamed survivors and mutants not run
    assert any(re.match(r"geo_registry/web/security.py +27/29 +\( *93\.1%\) +1 +0 ", line) for line in lines)
    assert f"  survived  {FIELD}1  (accepted in bench/mutation_survivors.toml)" in lines
    assert f"  survived  {FIELD}2" in lines

    write_survivors(tmp_path, f'[[accepted]]\nreason = "stray text"\nmutants = ["{FIELD}1", "{FIELD}2"]\n')
    assert mutation.report(diffs=False)

    # A survivors file that still names a function the code no longer has fails the report.
    (tmp_path / "geo_registry" / "web" / "security.py").write_text("def csrf_tag(): ...\n")
    assert not mutation.report(diffs=False)
    assert f"  stale     {FIELD}1  (its function is gone: remove it from bench/mutation_survivors.toml)" in (
        capsys.readouterr().out.splitlines()
    )


def test_a_survivors_file_that_cannot_be_read_as_promised_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    for text in (
        f'[[accepted]]\nmutants = ["{FIELD}1"]\n',  # no reason
        f'[[accepted]]\nreason = " "\nmutants = ["{FIELD}1"]\n',  # an empty one
        '[[accepted]]\nreason = "why"\nmutants = []\n',  # a reason for nothing
        '[[accepted]]\nreason = "why"\nmutants = ["csrf_field 1"]\n',  # a short name mutmut never prints
        "# nothing accepted\n",
    ):
        write_survivors(tmp_path, text)
        with pytest.raises(ValueError):
            mutation.accepted()


def test_every_accepted_survivor_names_a_function_that_still_exists():
    # A reason written for code that was moved or removed says nothing about today's code: its mutant is measured
    # again (under its new name) and named again only if it still survives.
    assert mutation.stale(mutation.accepted()) == []


def test_a_survivor_of_a_removed_or_moved_function_is_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    (tmp_path / "geo_registry" / "mail").mkdir(parents=True)
    (tmp_path / "geo_registry" / "mail" / "__init__.py").write_text("class Source:\n    def suggest(self): ...\n")
    (tmp_path / "geo_registry" / "mail" / "delivery.py").write_text(
        "def queue(): ...\n\nclass Mailer:\n    def send(self): ...\n"
    )
    kept = {
        "geo_registry.mail.xǁSourceǁsuggest__mutmut_1",
        "geo_registry.mail.delivery.x_queue__mutmut_3",
        "geo_registry.mail.delivery.xǁMailerǁsend__mutmut_2",
    }
    gone = {
        "geo_registry.mail.delivery.xǁDeliveryWorkerǁflush__mutmut_1",  # the class was removed
        "geo_registry.mail.delivery.xǁMailerǁflush__mutmut_1",  # the method was removed
        "geo_registry.mail.delivery.x_audit__mutmut_7",  # the function moved to another module
        "geo_registry.mail.outbox.x_queue__mutmut_1",  # no such module
    }
    assert mutation.stale(kept | gone) == sorted(gone)
