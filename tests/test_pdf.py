"""The whole book as one PDF: every page, figures, equations, code, outputs, bibliography."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import ROOT, book_pages

pytestmark = pytest.mark.book


def pdf_text(pdf) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (Debian poppler-utils)")
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def page_markers() -> list[str]:
    """A phrase each page must contribute: its title, or for the root page (whose heading
    LaTeX turns into front matter) the first words of its opening paragraph."""
    docnames = book_pages()
    markers = []
    for i, docname in enumerate(docnames):
        lines = (ROOT / f"{docname}.md").read_text().splitlines()
        title = next(n for n, line in enumerate(lines) if line.startswith("# "))
        if i > 0:
            markers.append(re.sub(r"[*`]", "", lines[title][2:]).strip())  # Markdown marks
            continue
        opening = next(line for line in lines[title + 1 :] if line.strip())
        markers.append(" ".join(re.sub(r"[*_`]", "", opening).split()[:8]))
    return markers


def test_pdf_holds_every_page(built_pdf):
    text = re.sub(r"\s+", " ", pdf_text(built_pdf))
    missing = [t for t in page_markers() if re.sub(r"\s+", " ", t) not in text]
    assert not missing, f"pages not found in the PDF: {missing}"


def test_pdf_has_code_outputs_citations_and_many_pages(built_pdf):
    text = pdf_text(built_pdf)
    assert "dlbook.setup(seed=0" in text, "code cells are in the PDF"
    assert re.search(r"Python 3\.\d+\.\d+ on Linux", text), "executed outputs are in the PDF"
    assert "Chollet" in text and "Deep Learning with Python" in text, "the bibliography"
    info = subprocess.run(["pdfinfo", str(built_pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 20


def test_pdf_is_linked_from_the_html_download_menu(built_pdf, built_book):
    html = (built_book / "book" / "intro.html").read_text()
    assert 'href="../dlbook.pdf"' in html
    assert (built_book / "dlbook.pdf").is_file()
