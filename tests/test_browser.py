"""The built site in a real browser: headless Chromium (Debian's) driven by Playwright, against
the HTML served on 127.0.0.1, with every request to any other host blocked.

Screenshots of the welcome page and a chapter page are saved in `test-artifacts/`.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT, book_pages, executable_pages

pytestmark = [pytest.mark.book, pytest.mark.browser]

ARTIFACTS = ROOT / "test-artifacts"
#: A phrase from each part and the page a reader searching for it should find first or
#: near the top. Parts not yet in the book are skipped.
SEARCHES = {
    "tensor operations": "book/basics/tensors",
    "convolutional": "book/basics/convnets",
    "message passing": "book/graphs/message_passing",
    "collaborative filtering": "book/embeddings/collaborative_filtering",
    "self-attention": "book/attention/self_attention",
    "feed-forward network": "book/transformers/architecture",
    "LoRA": "book/transformers/adapting",
    "variational autoencoder": "book/generative/autoencoders",
    "data parallel": "book/scaling/data_parallel",
    "checksum": "book/data",
}


class PageVisit:
    """One page loaded with every non-local request blocked and every problem recorded."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} ({r.status})")
        )
        self.page.goto(url, wait_until="networkidle")
        if self.page.locator(".math").count():
            self.page.wait_for_function(
                "window.MathJax && MathJax.startup && MathJax.startup.promise"
                " && document.querySelectorAll('mjx-container').length > 0",
                timeout=30_000,
            )

    def _route(self, route):
        host = urlsplit(route.request.url).hostname
        if host in {"127.0.0.1", None} or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


def test_every_page_loads_with_no_failed_request_or_console_error(site, browser):
    problems = {}
    for docname in book_pages():
        visit = PageVisit(browser, f"{site}/{docname}.html")
        issues = visit.blocked + visit.failed + visit.errors
        if issues:
            problems[docname] = issues
        visit.close()
    assert not problems, f"pages with blocked/failed requests or console errors: {problems}"


RAW_MATH = re.compile(r"(?<![\w$])\$[^$\s][^$\n]*?\$(?![\w$])|\\\(|\\\[")


def test_equations_render_and_no_raw_tex_is_left(site, browser, built_book):
    pages = [d for d in book_pages() if 'class="math' in (built_book / f"{d}.html").read_text()]
    for docname in pages:
        visit = PageVisit(browser, f"{site}/{docname}.html")
        assert visit.page.locator("mjx-container").count() > 0, docname
        prose = visit.page.evaluate(
            """() => { const a = document.querySelector('article').cloneNode(true);
                 a.querySelectorAll('pre, code, .highlight, mjx-container, script')
                  .forEach(e => e.remove());
                 return a.innerText; }"""
        )
        leftover = RAW_MATH.findall(prose)
        assert not leftover, f"{docname}: raw TeX left in the page: {leftover[:5]}"
        visit.close()


def test_search_finds_each_part(site, browser):
    present = set(book_pages())
    searches = {q: page for q, page in SEARCHES.items() if page in present}
    assert searches, "no searchable part in the book"
    for query, expected in searches.items():
        visit = PageVisit(browser, f"{site}/search.html?q={query.replace(' ', '+')}")
        visit.page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        hrefs = visit.page.eval_on_selector_all(
            "#search-results ul.search li a", "els => els.map(e => e.getAttribute('href'))"
        )
        top = [h.split("#")[0].split("?")[0].removesuffix(".html") for h in hrefs[:3]]
        assert expected in top, f"searching {query!r}: {expected} not in the top 3 ({top})"
        visit.close()


def test_executable_pages_show_launch_and_download_buttons(site, browser):
    for docname in executable_pages():
        visit = PageVisit(browser, f"{site}/{docname}.html")
        page = visit.page
        page.click(".dropdown-launch-buttons button")
        assert page.locator("a.btn-launch-colab-button").is_visible(), docname
        assert page.locator("a.btn-launch-binder-button").is_visible(), docname
        page.keyboard.press("Escape")
        page.click(".dropdown-download-buttons button")
        for kind in ("notebook", "source", "pdf"):
            assert page.locator(f"a.btn-download-{kind}-button").is_visible(), (docname, kind)
        visit.close()


def test_screenshots_for_a_human(site, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    chapters = [d for d in executable_pages() if d != book_pages()[0]]
    for name, docname in (("welcome", book_pages()[0]), ("chapter", chapters[0])):
        visit = PageVisit(browser, f"{site}/{docname}.html")
        path = ARTIFACTS / f"{name}.png"
        visit.page.screenshot(path=str(path), full_page=False)
        assert path.stat().st_size > 10_000
        visit.close()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.targets: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.targets.append(("link", attrs["href"]))
        elif tag in {"img", "script"} and attrs.get("src"):
            self.targets.append((tag, attrs["src"]))
        elif tag == "link" and attrs.get("href"):
            self.targets.append(("link", attrs["href"]))


@functools.cache
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(errors="replace"))
    return parser


def test_every_internal_link_anchor_and_image_resolves(built_book, built_pdf):
    broken = []
    for page in sorted(built_book.rglob("*.html")):
        if "_static" in page.relative_to(built_book).parts:
            continue  # theme template fragments, not pages
        for kind, target in _parse(page).targets:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or target.startswith(("mailto:", "javascript:")):
                continue
            path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if path.is_dir():
                path = path / "index.html"
            rel = page.relative_to(built_book)
            if not path.exists():
                broken.append(f"{rel}: {kind} {target}")
            elif (
                parts.fragment
                and path.suffix == ".html"
                and unquote(parts.fragment) not in _parse(path).ids
            ):
                broken.append(f"{rel}: anchor {target}")
    assert not broken, f"{len(broken)} broken: {broken[:20]}"
