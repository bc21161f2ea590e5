"""No hand-typed figures in the prose: every number a page states comes from an executed cell.

A number typed into a sentence ("the convnet reaches 99.1%") is true of one run and silently
false after the next. The book's rule is that computed numbers are glued (``{glue:text}``) and
comparisons are glued verdicts or checked claims (``dlbook.claims.check``). This test reads the
MyST source of every page in ``_toc.yml`` and fails on any digit in the prose outside the places
where a digit is legitimate by construction:

* code: code cells, fenced blocks, inline code;
* math: ``$...$``, ``$$...$$`` and the ``{math}`` role (formulas are not results);
* roles: ``{glue:text}`` and every other role (``{cite:p}``, ``{numref}``, ``{doc}``...), whose
  content is a key, a label or a computed value;
* directive lines and their options (``:label:``, ``:class:``) and the YAML front matter;
* link targets and bare URLs;
* a digit inside a name: joined to letters (``word2vec``, ``1D``, ``L2``, ``float32``) or after a
  letter and a hyphen (``GPT-2``, ``top-5``);
* a year (four digits from 1800 to 2099 without a thousands comma);
* a sentence that cites a paper (``{cite:p}``/``{cite:t}``): its numbers are the paper's,
  attributed, and a table that cites one (a table of published results);
* the statement of an exercise (``:::{exercise}``): it sets a task, it reports no result.
  Solutions are scanned like any other prose.

Everything else is a hit. A hit that is legitimate (a fact of the data format, a setting that
is not a variable of any cell) goes in ``tests/prose_allowlist.yml`` with a comment saying why;
entries that no longer match anything make the test fail too, so the list only shrinks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, book_pages

ALLOWLIST = Path(__file__).with_name("prose_allowlist.yml")

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
_ROLE = re.compile(r"\{[a-zA-Z][\w:+-]*\}`[^`]*`")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1)(?:[^\n]|\n(?!\s*\n)))+?\1")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)(?:[^$\n]|\n(?!\s*\n))+?(?<![\s\\])\$(?!\d)")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TARGET = re.compile(r"^\s*\([\w:.-]+\)=\s*$")
_DIRECTIVE = re.compile(r"^\s*(:{3,}|`{3,})\s*\{([\w:-]+)\}")
_OPTION = re.compile(r"^\s*:[\w-]+:")
_CITE = re.compile(r"\{cite(:\w+)?\}`")
# A number: digits with thousands commas, a decimal point, an optional sign and percent sign.
_NUMBER = re.compile(r"(?<![\w.,])[-+−±]?\d[\d,]*(?:\.\d+)?%?")
_YEAR = re.compile(r"^(1[89]\d\d|20[0-2]\d)$")
_LIST_MARKER = re.compile(r"^\s*\d+\.\s")
# a size written with "×" (6×6, 28 × 28): the format of an input or a kernel
_DIMENSIONS = re.compile(r"\d+(?:\s?×\s?\d+)+")


@dataclass(frozen=True)
class Hit:
    page: str
    line: int
    number: str
    text: str  # the prose line, with code, math and roles blanked out
    column: int = 0  # where the number starts in ``text``

    def __str__(self) -> str:
        return f"{self.page}.md:{self.line}: {self.number!r} in {self.text.strip()!r}"


def _blank(match: re.Match) -> str:
    """Replace a match by spaces (newlines kept) so that columns and line numbers survive."""
    return re.sub(r"[^\n]", " ", match.group(0))


def prose_lines(source: str) -> list[tuple[int, str]]:
    """(line number, prose) of a MyST page: code, math, roles, options and exercises blanked."""
    lines = source.split("\n")
    keep = [True] * len(lines)
    # YAML front matter
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                for i in range(end + 1):
                    keep[i] = False
                break
    # fenced blocks (code cells, ```python, ```{code-cell}) and directive lines
    fence: str | None = None
    exercise_depth: str | None = None
    in_options = False
    for i, line in enumerate(lines):
        if not keep[i]:
            continue
        if fence is not None:
            keep[i] = False
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            continue
        directive = _DIRECTIVE.match(line)
        if directive and directive.group(1).startswith("`"):
            # ```{code-cell}, ```{figure}..., treated as code unless it is prose-bearing
            if directive.group(2) in {"note", "tip", "warning", "important", "admonition"}:
                keep[i] = False
                in_options = True
                continue
            fence = directive.group(1)
            keep[i] = False
            continue
        opened = _FENCE.match(line)
        if opened and not directive:
            fence = opened.group(2)
            keep[i] = False
            continue
        if directive:  # a colon-fence directive line: its argument is a label
            keep[i] = False
            in_options = True
            if directive.group(2) == "exercise":
                exercise_depth = directive.group(1)
            continue
        if exercise_depth is not None:
            keep[i] = False
            if line.strip() == exercise_depth:
                exercise_depth = None
            continue
        if re.fullmatch(r"\s*:{3,}\s*", line) or _TARGET.match(line):
            keep[i] = False
            continue
        if in_options and _OPTION.match(line):
            keep[i] = False
            continue
        in_options = False
    text = "\n".join(line if k else "" for line, k in zip(lines, keep, strict=True))
    for pattern in (_HTML_COMMENT, _DISPLAY_MATH):
        text = pattern.sub(_blank, text)
    text = _cited_sentences_blanked(text)
    text = _cited_tables_blanked(text)
    for pattern in (_ROLE, _INLINE_CODE, _INLINE_MATH, _LINK_TARGET, _URL):
        text = pattern.sub(_blank, text)
    return [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]


def _cited_sentences_blanked(text: str) -> str:
    """Blank every sentence that contains a citation role (its numbers are the paper's)."""
    out = []
    for paragraph in re.split(r"(\n\s*\n)", text):
        if not _CITE.search(paragraph) or paragraph.lstrip().startswith("|"):
            out.append(paragraph)
            continue
        # split into sentences at '. ', '? ', '! ', ': ' followed by a capital or a newline
        pieces = re.split(r"(?<=[.?!;])(\s+)(?=[A-Z(*_{])", paragraph)
        out.append("".join(re.sub(r"[^\n]", " ", p) if _CITE.search(p) else p for p in pieces))
    return "".join(out)


def _cited_tables_blanked(text: str) -> str:
    """Blank a Markdown table that cites a paper: a table of published results."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|"):
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            if any(_CITE.search(line) for line in lines[i:j]):
                for k in range(i, j):
                    lines[k] = " " * len(lines[k])
            i = j
        else:
            i += 1
    return "\n".join(lines)


def number_hits(page: str, source: str) -> list[Hit]:
    """Every number in the prose of ``source`` that no rule of this module allows."""
    hits = []
    for line_number, line in prose_lines(source):
        line = _LIST_MARKER.sub(lambda m: " " * len(m.group(0)), line)
        line = _DIMENSIONS.sub(_blank, line)
        for match in _NUMBER.finditer(line):
            start, end = match.span()
            number = match.group(0).rstrip(",")
            if end < len(line) and (line[end].isalpha() or line[end] == "_"):
                continue  # 1D, 2nd, float32 read from the left: a name
            if start >= 2 and line[start - 1] == "-" and line[start - 2].isalpha():
                continue  # GPT-2, top-5: a name
            if _YEAR.match(number) or number in {"0", "1"}:
                continue  # a year; the two binary values (label 0 or 1, sums to 1)
            hits.append(Hit(page, line_number, number, line, start))
    return hits


def load_allowlist() -> dict[str, list[str]]:
    data = yaml.safe_load(ALLOWLIST.read_text()) or {}
    return {page: [str(p) for p in (phrases or [])] for page, phrases in data.items()}


def _allowed(hit: Hit, phrases: list[str]) -> str | None:
    """The allow-list phrase that covers ``hit`` (the number inside one of its occurrences)."""
    for phrase in phrases:
        for occurrence in re.finditer(re.escape(phrase), hit.text):
            if occurrence.start() <= hit.column < hit.column + len(hit.number) <= occurrence.end():
                return phrase
    return None


def scan_book() -> tuple[list[Hit], dict[str, set[str]]]:
    """Hits not covered by the allow-list, and the allow-list phrases that were used."""
    allowlist = load_allowlist()
    used: dict[str, set[str]] = {page: set() for page in allowlist}
    failures = []
    for page in book_pages():
        path = ROOT / f"{page}.md"
        if not path.is_file():
            continue
        for hit in number_hits(page, path.read_text()):
            phrase = _allowed(hit, allowlist.get(page, []))
            if phrase is None:
                failures.append(hit)
            else:
                used[page].add(phrase)
    return failures, used


# --- the rules themselves ---------------------------------------------------------------------

HEADER = "---\njupytext: {}\n---\n"


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        ("The model reaches 97.8% on the test set.", ["97.8%"]),
        ("It makes 1,234 errors.", ["1,234"]),
        ("It reaches {glue:text}`acc:.1%` accuracy.", []),
        ("Kim reports 81.5% {cite:p}`kim2014cnn`. We get 80.1%.", ["80.1%"]),
        ("A 1D convnet, word2vec and GPT-2 with an L2 penalty.", []),
        ("In 2013, the loss $x^2 + 3$ fell.", []),
        ("Call `model.fit(x, epochs=8)` now.", []),
        ("The error falls by 24-hour steps.", ["24"]),
    ],
)
def test_rules_find_typed_numbers(prose, expected):
    hits = number_hits("page", HEADER + "\n" + prose + "\n")
    assert [h.number for h in hits] == expected


def test_code_cells_exercises_and_cited_tables_are_not_prose():
    source = "\n".join(
        [
            "```{code-cell} ipython3",
            "x = 12345",
            "```",
            ":::{exercise}",
            ":label: ex-1",
            "Train with 16, 64 and 2048 units.",
            ":::",
            ":::{solution} ex-1",
            ":class: dropdown",
            "The 2048-unit network reaches 98.3%.",
            ":::",
            "| model | accuracy |",
            "| --- | --- |",
            "| CNN {cite:p}`kim2014cnn` | 81.5% |",
            "",
            "| ours | 77.0% |",
        ]
    )
    assert [h.number for h in number_hits("page", source)] == ["2048", "98.3%", "77.0%"]


# --- the book ------------------------------------------------------------------------------------


def test_allowlist_names_pages_of_the_book():
    unknown = set(load_allowlist()) - set(book_pages())
    assert not unknown, f"{ALLOWLIST.name} names pages that are not in _toc.yml: {unknown}"


def test_no_hand_typed_numbers_in_the_prose():
    failures, _ = scan_book()
    assert not failures, (
        "Numbers typed into the prose (glue them from the cell that computes them, write them "
        "in words or math, or, if they are not results, add the phrase to "
        f"{ALLOWLIST.name} with a comment):\n" + "\n".join(map(str, failures))
    )


def test_allowlist_has_no_stale_entries():
    _, used = scan_book()
    stale = [
        f"{page}: {phrase!r}"
        for page, phrases in load_allowlist().items()
        for phrase in phrases
        if phrase not in used.get(page, set())
    ]
    assert not stale, f"{ALLOWLIST.name} entries that match no number any more: {stale}"
