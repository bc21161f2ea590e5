"""Every exercise of the book has a worked solution, collapsed, whose code runs in the build.

The book's rule (README, "Adding a chapter"): an exercise (``:::{exercise}`` with a ``:label:``)
is followed by its solution, either ``:::{solution} label`` for an answer in words, or the gated
form ``::::{solution-start} label`` ... ``::::{solution-end}`` when the answer has code, with
``{code-cell}`` cells in between so that the build executes them. Either way the solution has
``:class: dropdown``, so that the reader sees it only on request.

A solution may not show code that the build does not run: a fenced ``python`` block (or any
other fenced block that is not a code cell) in a solution, or a line of console output
(``>>>``, ``Out[``), is what a solution looks like when it quotes results nobody executed. The
numbers a solution states are held to the prose rule of ``test_prose.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from conftest import ROOT, book_pages

_OPEN = re.compile(r"^(?P<fence>:{3,}|`{3,})\{(?P<name>[\w-]+)\}\s*(?P<arg>.*)$")
_LABEL = re.compile(r"^:label:\s*(\S+)")
_CLASS = re.compile(r"^:class:\s*(.+)$")
_CONSOLE = re.compile(r"^\s*(>>>|Out\[\d*\]:)")


@dataclass
class Block:
    name: str  # exercise, solution, solution-start, solution-end
    line: int
    arg: str = ""
    label: str = ""
    classes: list[str] = field(default_factory=list)
    body: list[tuple[int, str]] = field(default_factory=list)  # (line, text) up to the close


def directives(source: str) -> list[Block]:
    """The exercise and solution directives of a page, with their options and body lines.

    For ``solution-start`` the body runs to the matching ``solution-end``, code cells included.
    """
    lines = source.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i].strip())
        if not match or not match.group("name").startswith(("exercise", "solution")):
            i += 1
            continue
        fence, name = match.group("fence"), match.group("name")
        block = Block(name=name, line=i + 1, arg=match.group("arg").strip())
        j = i + 1
        while j < len(lines) and re.match(r"^:[\w-]+:", lines[j].strip()):
            option = lines[j].strip()
            if label := _LABEL.match(option):
                block.label = label.group(1)
            if classes := _CLASS.match(option):
                block.classes = classes.group(1).split()
            j += 1
        # the directive's own body, up to its closing fence
        while j < len(lines) and lines[j].strip() != fence:
            block.body.append((j + 1, lines[j]))
            j += 1
        if name == "solution-start":  # the gated content, up to solution-end
            k = j + 1
            while k < len(lines):
                opened = _OPEN.match(lines[k].strip())
                if opened and opened.group("name") == "solution-end":
                    break
                block.body.append((k + 1, lines[k]))
                k += 1
            block.classes = block.classes or []
            blocks.append(block)
            i = k
            continue
        blocks.append(block)
        i = j + 1
    return blocks


def problems(page: str, source: str) -> list[str]:
    """What is wrong with the exercises and solutions of one page (an empty list if nothing)."""
    found = []
    blocks = directives(source)
    solutions = {}
    for block in blocks:
        where = f"{page}.md:{block.line}"
        if block.name == "exercise":
            if not block.label:
                found.append(f"{where}: an exercise without :label: (no solution can name it)")
        elif block.name in {"solution", "solution-start"}:
            solutions.setdefault(block.arg, []).append(block)
            if "dropdown" not in block.classes:
                found.append(f"{where}: solution to {block.arg!r} is not collapsed")
            found.extend(_unexecuted(where, block))
    starts = sum(b.name == "solution-start" for b in blocks)
    ends = source.count("{solution-end}")
    if starts != ends:
        found.append(f"{page}.md: {starts} solution-start but {ends} solution-end")
    for block in blocks:
        if block.name == "exercise" and block.label and block.label not in solutions:
            found.append(f"{page}.md:{block.line}: exercise {block.label!r} has no solution")
    labels = {b.label for b in blocks if b.name == "exercise"}
    for target, blocks_for in solutions.items():
        if target not in labels:
            found.append(f"{page}.md:{blocks_for[0].line}: solution to unknown {target!r}")
    return found


def _unexecuted(where: str, block: Block) -> list[str]:
    """Fenced code that the build does not run, or console output, inside a solution."""
    found = []
    fence: str | None = None  # the fence of the code block we are in, if any
    for line_number, text in block.body:
        stripped = text.strip()
        if fence is not None:
            if stripped == fence:
                fence = None
            continue
        opened = re.match(r"^(`{3,}|~{3,})(.*)$", stripped)
        if opened:
            fence = opened.group(1)
            if not opened.group(2).startswith("{code-cell}"):
                found.append(
                    f"{where}: line {line_number}: the solution to {block.arg!r} shows code "
                    "that the build does not run; use the gated form with {code-cell} cells"
                )
        elif _CONSOLE.match(text):
            found.append(f"{where}: line {line_number} quotes console output")
    return found


# --- the rules themselves ---------------------------------------------------------------------


def test_an_exercise_without_solution_is_found():
    source = ":::{exercise}\n:label: ex-a\nDo it.\n:::\n"
    assert problems("page", source) == ["page.md:1: exercise 'ex-a' has no solution"]


def test_solutions_in_words_and_gated_solutions_pass():
    source = "\n".join(
        [
            ":::{exercise}",
            ":label: ex-a",
            "Do it.",
            ":::",
            "",
            ":::{solution} ex-a",
            ":class: dropdown",
            "Like this.",
            ":::",
            "",
            ":::{exercise}",
            ":label: ex-b",
            "Compute it.",
            ":::",
            "",
            "::::{solution-start} ex-b",
            ":class: dropdown",
            "::::",
            "",
            "```{code-cell} ipython3",
            "print(1 + 1)",
            "```",
            "",
            "::::{solution-end}",
            "::::",
        ]
    )
    assert problems("page", source) == []


@pytest.mark.parametrize(
    "body",
    [
        ["```python", "print(model.evaluate(x, y))", "```"],
        [">>> model.evaluate(x, y)", "0.981"],
    ],
)
def test_unexecuted_code_in_a_solution_is_found(body):
    source = "\n".join(
        [":::{exercise}", ":label: ex-a", "Do it.", ":::", ":::{solution} ex-a", ":class: dropdown"]
        + body
        + [":::"]
    )
    assert len(problems("page", source)) == 1


def test_an_open_solution_is_found():
    source = ":::{exercise}\n:label: ex-a\nDo it.\n:::\n:::{solution} ex-a\nLike this.\n:::\n"
    assert problems("page", source) == ["page.md:5: solution to 'ex-a' is not collapsed"]


# --- the book ------------------------------------------------------------------------------------

#: Pages whose exercises are being given solutions on another branch right now. The test
#: tolerates their problems, and fails once a listed page has none left: then delete its entry.
PENDING = {}


def _book_problems() -> dict[str, list[str]]:
    found = {}
    for page in book_pages():
        path = ROOT / f"{page}.md"
        if path.is_file():
            found[page] = problems(page, path.read_text())
    return found


def test_every_exercise_has_a_collapsed_executed_solution():
    found = [p for page, ps in _book_problems().items() if page not in PENDING for p in ps]
    assert not found, "Exercises and solutions that break the book's rule:\n" + "\n".join(found)


def test_pending_pages_still_need_their_entry():
    problems_of = _book_problems()
    done = [page for page in PENDING if page in problems_of and not problems_of[page]]
    assert not done, f"pages listed in PENDING that have no problem left (delete them): {done}"
