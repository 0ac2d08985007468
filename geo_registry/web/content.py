"""Information pages: Markdown files that staff edit without touching Python (content/<lang>/NN-slug.md)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown

FILE_RE = re.compile(r"^(\d+)-([a-z0-9-]+)\.md$")
DIGIT_SPACE = re.compile(r"(?<=\d) (?=\d)")
# Staff edit these files by hand, and every page's menu lists them: a process looks at each file and folder (a
# stat) at most once in this many seconds, not on every request (a dozen stat calls a page; issue 24). An edit
# shows within that time.
RECHECK_SECONDS = 1.0
_clock = time.monotonic
_looked: dict[tuple[str, Path], tuple[float, object]] = {}


def _recently(kind: str, path: Path, look: Callable[[Path], object]):
    """What look(path) gave, asked again only when RECHECK_SECONDS have passed since."""
    now = _clock()
    seen = _looked.get((kind, path))
    if seen is None or now - seen[0] >= RECHECK_SECONDS:
        seen = now, look(path)
        _looked[kind, path] = seen
    return seen[1]


@dataclass(frozen=True)
class Page:
    """One information page."""

    slug: str
    title: str
    html: str


def page_files(folder: Path, lang: str) -> dict[str, Path]:
    """Return the page files of one language by slug, in their numbered order."""
    return dict(_recently("folder", folder / lang, _listing))


def _listing(language_folder: Path) -> tuple[tuple[str, Path], ...]:
    """The folder's pages, listed again only when it changes (a file added, removed or renamed changes its
    modification time)."""
    try:
        changed = language_folder.stat().st_mtime_ns
    except FileNotFoundError:
        return ()
    return _listed(language_folder, changed)


@lru_cache(maxsize=64)
def _listed(language_folder: Path, _mtime_ns: int) -> tuple[tuple[str, Path], ...]:
    """The (slug, path) pairs of one version of a language's folder, in their numbered order."""
    files = sorted(
        (int(m.group(1)), m.group(2), path) for path in language_folder.glob("*.md") if (m := FILE_RE.match(path.name))
    )
    return tuple((slug, path) for _, slug, path in files)


def load_page(path: Path, slug: str) -> Page:
    """Render one Markdown file; its first '# ' heading is the title."""
    # Every page's menu and footer list the pages: render each file once, again only when staff change it.
    mtime_ns, size = _recently("file", path, _version)
    return _rendered(path, slug, mtime_ns, size)


def _version(path: Path) -> tuple[int, int]:
    """What tells versions of a file apart: its modification time and size."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=256)
def _rendered(path: Path, slug: str, _mtime_ns: int, _size: int) -> Page:
    """The Page of one version of a file (the cache key's modification time and size tell versions apart)."""
    text = path.read_text(encoding="utf-8")
    heading = re.search(r"^# (.+)$", text, re.M)
    title = heading.group(1).strip() if heading else slug
    body = text[heading.end() :] if heading else text
    # A number typed in groups ("bel 14 035") stays on one line: at a line end an older resident reads '14'.
    body = DIGIT_SPACE.sub("\u00a0", body)
    return Page(slug, title, markdown.markdown(body, extensions=["sane_lists"], output_format="html"))


def pages(folder: Path, lang: str, fallback: str = "nl") -> list[Page]:
    """All pages in one language; a page missing in that language comes in the fallback language."""
    wanted, default = page_files(folder, lang), page_files(folder, fallback)
    return [load_page(wanted.get(slug, path), slug) for slug, path in default.items()]


def find_page(folder: Path, lang: str, slug: str, fallback: str = "nl") -> Page | None:
    """One page by slug, or None."""
    path = page_files(folder, lang).get(slug) or page_files(folder, fallback).get(slug)
    return load_page(path, slug) if path else None
