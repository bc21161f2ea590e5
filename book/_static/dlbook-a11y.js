// dlbook's accessibility fixes to the theme's markup (checked by tests/test_a11y.py with axe-core).
(function () {
  function fix() {
    // The colour-mode button's icons are decoration: their titles are not part of the button's
    // label (label-content-name-mismatch). The search button is fixed in its template override.
    document.querySelectorAll("button.theme-switch-button i").forEach(function (i) {
      i.setAttribute("aria-hidden", "true");
      i.removeAttribute("title");
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
