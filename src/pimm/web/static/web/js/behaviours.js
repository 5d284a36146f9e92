// Small page behaviours as data attributes, so the Content-Security-Policy allows no inline script:
// data-autosubmit (a select submits its form), data-select-on-click (select a read-only field),
// data-confirm="question" (confirm before a button acts), data-version-from="element id" (a form
// copies that element's value into its `version` field before submitting), data-sum="group" on
// number inputs typed the French way ("12,5") with an <output data-sum-total="group"
// data-sum-target="100"> in the same form (a running total, marked ok or error against its target).
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
  function parseFrench(text) {
    var clean = String(text || "").replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    if (clean === "") return 0;
    return /^[+-]?\d*\.?\d+$/.test(clean) ? parseFloat(clean) : NaN;
  }
  function writeFrench(value) {
    return (Math.round(value * 100) / 100).toString().replace(".", ",").replace("-", "\u2212");
  }
  function updateSums(form) {
    var outputs = form.querySelectorAll("[data-sum-total]");
    for (var i = 0; i < outputs.length; i++) {
      var out = outputs[i], group = out.getAttribute("data-sum-total"), total = 0, bad = false;
      var inputs = form.querySelectorAll('[data-sum="' + group + '"]');
      for (var j = 0; j < inputs.length; j++) {
        var v = parseFrench(inputs[j].value);
        if (isNaN(v)) bad = true; else total += v;
      }
      var target = out.getAttribute("data-sum-target");
      var ok = !bad && (target === null || Math.abs(total - parseFloat(target)) < 0.005);
      out.textContent = bad ? "?" : writeFrench(total) + " %";
      out.classList.toggle("ok", ok);
      out.classList.toggle("error", !ok);
    }
  }
  document.addEventListener("input", function (event) {
    var field = event.target.closest && event.target.closest("[data-sum]");
    if (field && field.form) updateSums(field.form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) if (forms[i].querySelector("[data-sum-total]")) updateSums(forms[i]);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var source = form.getAttribute && form.getAttribute("data-version-from");
    if (source && form.version) form.version.value = document.getElementById(source).value;
  }, true);
})();
