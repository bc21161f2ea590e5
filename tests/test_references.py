"""The bibliography parses, has no duplicate keys, and holds every key a page cites.

A broken ``references.bib`` stops every book build at ``builder-inited``; this
test finds it in a second instead of after an install and a build.
"""

import re
from pathlib import Path

import pytest

pybtex = pytest.importorskip("pybtex.database")

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "book" / "references.bib"
CITE = re.compile(r"(?<!`)\{cite(?::[a-z]+)?\}`([^`]+)`")


def _keys_in_file() -> list[str]:
    return re.findall(r"^@\w+\{([^,\s]+),", BIB.read_text(encoding="utf-8"), re.M)


def test_bibliography_parses():
    data = pybtex.parse_file(str(BIB))
    assert len(data.entries) == len(_keys_in_file())


def test_no_duplicate_keys():
    keys = [k.lower() for k in _keys_in_file()]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    assert not dupes, f"references.bib defines these keys twice: {dupes}"


def test_every_cited_key_exists():
    known = {k.lower() for k in _keys_in_file()}
    missing = {}
    for page in sorted((ROOT / "book").rglob("*.md")):
        for group in CITE.findall(page.read_text(encoding="utf-8")):
            for key in (k.strip() for k in group.split(",")):
                if key and key.lower() not in known and " " not in key:
                    missing.setdefault(key, []).append(str(page.relative_to(ROOT)))
    assert not missing, f"cited but not in references.bib: {missing}"
