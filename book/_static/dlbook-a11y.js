// dlbook's accessibility fixes to generated markup (checked by tests/test_a11y.py with axe-core).
(function () {
  function fix() {
    // myst-nb's show/hide toggles of hidden code name themselves "Toggle hidden content" while
    // they show "Show code cell source": the visible text is the better name
    // (label-content-name-mismatch).
    document.querySelectorAll("details.hide > summary[aria-label]").forEach(function (s) {
      s.removeAttribute("aria-label");
    });
    // The bibliography's entries are not list items (aria-required-children).
    document.querySelectorAll('.citation-list[role="list"]').forEach(function (e) {
      e.removeAttribute("role");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fix);
  } else {
    fix();
  }
})();
