"""The documentation a newcomer reads first: a README short enough to read (at most 15 KB) and relative links in
README.md, CHANGELOG.md and docs/ that lead to a file of the repository."""

import re
from pathlib import Path

from geo_registry.core.config import ROOT

README_LIMIT = 15 * 1024
# Written by another branch at the time these docs were (the settings engineer generates it from the typed
# settings); a link to it may be dead until that branch is merged. Remove the entry once the file is in the tree.
PENDING: set[str] = set()  # documents a link may name before they exist (none today)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def documents(root: Path) -> list[Path]:
    """The Markdown files whose links are checked: README.md, CHANGELOG.md and everything under docs/."""
    return [path for path in (root / "README.md", root / "CHANGELOG.md") if path.exists()] + sorted(
        (root / "docs").rglob("*.md")
    )


def dead_links(root: Path, pending: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Relative links (Markdown links and images) in the documents that lead to no file or folder under root."""
    dead = []
    for document in documents(root):
        text = re.sub(r"```.*?```", "", document.read_text(encoding="utf-8"), flags=re.DOTALL)  # code is not a link
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
                continue  # another site, mail, or a place on the same page
            path = (document.parent / target.split("#", 1)[0]).resolve()
            inside = path.is_relative_to(root.resolve())  # a link out of the repository leads to no file of it
            if not inside or (not path.exists() and path.relative_to(root.resolve()).as_posix() not in pending):
                dead.append(f"{document.relative_to(root)}: {target}")
    return dead


def test_the_readme_is_at_most_15_kb():
    assert (ROOT / "README.md").stat().st_size <= README_LIMIT


def test_every_relative_link_in_the_documentation_leads_to_a_file():
    assert documents(ROOT)[0].name == "README.md" and len(documents(ROOT)) > 2
    assert dead_links(ROOT, PENDING) == []


def test_a_dead_link_is_found_and_a_live_one_is_not(tmp_path):
    (tmp_path / "docs" / "decisions").mkdir(parents=True)
    (tmp_path / "docs" / "api.md").write_text("# API\n", encoding="utf-8")
    (tmp_path / "docs" / "decisions" / "0001-x.md").write_text(
        "[up](../api.md#errors) [gone](../gone.md) [out](../../../x)\n"
    )
    (tmp_path / "README.md").write_text(
        "![shot](docs/screenshot.png) [api](docs/api.md) [web](https://example.org/x.md) [here](#top)\n"
        "[later](docs/configuration.md)\n```sh\n[not a link](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert dead_links(tmp_path) == [
        "README.md: docs/screenshot.png",
        "README.md: docs/configuration.md",
        "docs/decisions/0001-x.md: ../gone.md",
        "docs/decisions/0001-x.md: ../../../x",
    ]
    assert dead_links(tmp_path, {"docs/configuration.md"}) == [
        "README.md: docs/screenshot.png",
        "docs/decisions/0001-x.md: ../gone.md",
        "docs/decisions/0001-x.md: ../../../x",
    ]


def test_every_setting_the_readme_names_is_a_setting():
    """The README's configure paragraph names settings an operator sets first: each must exist, spelt as the code."""
    import dataclasses

    from geo_registry.core.settings import Settings

    known = {f.name for f in dataclasses.fields(Settings)}
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"GEO_REGISTRY_([A-Z_]+[A-Z])", text))
    named |= {n for n in re.findall(r"`([A-Z][A-Z_]+[A-Z])`", text)}
    assert "MAIL_HOST" in named and "PUBLIC_URL" in named
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    make_variables = {n for n in named if re.search(rf"^{n} \?=", makefile, re.M)}  # make run PORT=8080
    assert named - known - make_variables == set()


def test_the_deployment_docs_show_the_nginx_configuration_the_tests_run():
    """docs/deployment.md offers operators deploy/nginx/geo-registry.conf as it is, the file tests/test_nginx.py
    runs nginx with: the two cannot drift apart."""
    shown = re.search(r"```nginx\n(.*?)```", (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8"), re.DOTALL)
    assert shown and shown.group(1) == (ROOT / "deploy" / "nginx" / "geo-registry.conf").read_text(encoding="utf-8")
