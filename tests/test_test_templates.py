"""The tests' apps share compiled templates (templates_compiled_once in tests/conftest.py): a second app renders a
page without compiling its templates again (jinja2 itself compiles a template anew when its source differs)."""

import jinja2
from helpers import make_app


def compiles_on_first_page(app, monkeypatch) -> int:
    """How many templates app compiles as it shows its login page the first time."""
    count = []
    original = jinja2.Environment.compile

    def counting(self, *args, **kwargs):
        count.append(1)
        return original(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(jinja2.Environment, "compile", counting)
        assert app.test_client().get("/beheer/inloggen").status_code == 200
    return len(count)


def test_a_second_app_does_not_compile_the_templates_again(tmp_path, monkeypatch):
    compiles_on_first_page(make_app(tmp_path / "a"), monkeypatch)
    assert compiles_on_first_page(make_app(tmp_path / "b"), monkeypatch) == 0
