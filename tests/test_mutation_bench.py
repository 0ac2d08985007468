"""`make mutation` (bench/mutation.py) counts the mutants mutmut cannot tell about: those are run with the tests
that state their function's promise, and their result counts only for the code it was measured on."""

import json
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
