// dlbook's accessibility fixes to the theme's markup (checked by tests/test_a11y.py with axe-core).
(function () {
  function fix() {
    // Buttons whose aria-label does not contain their visible text (label-content-name-mismatch):
    // the search field's label becomes its visible text, the colour-mode icons are decoration.
    document.querySelectorAll("button.search-button-field").forEach(function (b) {
      b.removeAttribute("aria-label");
    });
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
