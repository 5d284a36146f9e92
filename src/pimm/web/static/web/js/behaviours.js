// Small page behaviours as data attributes, so the Content-Security-Policy allows no inline script:
// data-autosubmit (a select submits its form), data-select-on-click (select a read-only field),
// data-confirm="question" (confirm before a button acts), data-version-from="element id" (a form
// copies that element's value into its `version` field before submitting), data-menu (a
// drop-down <details> of the main menu: one open at a time, Escape or a click elsewhere closes it).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target.closest && event.target.closest("[data-autosubmit]");
    if (el && el.form) el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var field = event.target.closest && event.target.closest("[data-select-on-click]");
    if (field) field.select();
    var asking = event.target.closest && event.target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.getAttribute("data-confirm"))) event.preventDefault();
  });
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.hasAttribute || !menu.hasAttribute("data-menu") || !menu.open) return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (other) {
      if (other !== menu) other.open = false;
    });
  }, true);
  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("details[data-menu]");
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== inside) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details[data-menu][open]");
    if (menu) { menu.open = false; menu.querySelector("summary").focus(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var source = form.getAttribute && form.getAttribute("data-version-from");
    if (source && form.version) form.version.value = document.getElementById(source).value;
  }, true);
})();
