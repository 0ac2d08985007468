"""The machine-readable verdict lines of `make bench` (issue 24): one line per row, tab-separated,

    verdict <TAB> key <TAB> figure <TAB> anchor <TAB> ratio <TAB> target <TAB> met|missed

figure and anchor are "<number> <unit>" (the anchor "-" when the row has none), ratio is figure / anchor ("-"
without an anchor), target is "figure <op> <number> <unit>" or "ratio <op> <number>" with op one of <=, >=.
`grep ^verdict` gives the table; `parse` reads a line back and `judge` says whether a target is met, so a script
(and tests/test_bench.py) can check that every line's verdict follows from its figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "verdict"
_TARGET = re.compile(r"^(figure|ratio) (<=|>=) (-?[\d.]+(?:e-?\d+)?)(?: (\S+))?$")


@dataclass(frozen=True)
class Verdict:
    """One row: its figure (and unit), its anchor measured in the same run, their ratio, the target, met or not."""

    key: str
    figure: float
    unit: str
    anchor: float | None
    ratio: float | None
    target: str
    met: bool

    def line(self) -> str:
        """The row as one tab-separated line."""
        anchor = "-" if self.anchor is None else f"{self.anchor:.6g} {self.unit}"
        ratio = "-" if self.ratio is None else f"{self.ratio:.4g}"
        fields = [PREFIX, self.key, f"{self.figure:.6g} {self.unit}", anchor, ratio, self.target]
        return "\t".join(fields + ["met" if self.met else "missed"])


def judge(figure: float, ratio: float | None, target: str) -> bool:
    """Whether figure (or ratio) meets target ("figure <= 50 ms", "ratio >= 0.9")."""
    found = _TARGET.match(target)
    if found is None:
        raise ValueError(f"not a target: {target!r}")
    side, op, bound = found.group(1), found.group(2), float(found.group(3))
    value = figure if side == "figure" else ratio
    if value is None:
        return False
    return value <= bound if op == "<=" else value >= bound


def verdict(key: str, figure: float, unit: str, target: str, anchor: float | None = None) -> Verdict:
    """The verdict of one row (the ratio is figure / anchor)."""
    ratio = figure / anchor if anchor else None
    return Verdict(key, figure, unit, anchor, ratio, target, judge(figure, ratio, target))


def parse(line: str) -> Verdict:
    """Read a verdict line back."""
    prefix, key, figure, anchor, ratio, target, met = line.rstrip("\n").split("\t")
    if prefix != PREFIX or met not in ("met", "missed"):
        raise ValueError(f"not a verdict line: {line!r}")
    value, unit = figure.split(" ", 1)
    return Verdict(
        key,
        float(value),
        unit,
        None if anchor == "-" else float(anchor.split(" ", 1)[0]),
        None if ratio == "-" else float(ratio),
        target,
        met == "met",
    )
