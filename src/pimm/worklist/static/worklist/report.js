// A report's unsaved text is never lost: a copy is kept in this browser as the reader types
// (restored if the page comes back with an older text: session expired, page closed), htmx saves
// the draft on the server two seconds after the last keystroke, and leaving the page with text
// not yet saved asks first. No inline script: the page's data attributes drive it (CSP).
(function () {
  const form = document.getElementById("report-form");
  if (!form) return;
  const area = form.querySelector("textarea[name=text]");
  const key = form.dataset.draftKey;
  const saved = form.dataset.savedText || "";
  let dirty = false;
  try {
    const kept = window.localStorage.getItem(key);
    if (kept === saved) window.localStorage.removeItem(key); // the server has it: no copy needed
    else if (kept !== null && kept.trim() !== "") {
      area.value = kept;
      dirty = true;
      const notice = document.getElementById("draft-restored");
      if (notice) notice.hidden = false;
    }
  } catch (e) { /* storage refused: the server's autosave still runs */ }
  area.addEventListener("input", () => {
    dirty = true;
    try { window.localStorage.setItem(key, area.value); } catch (e) { /* full or refused */ }
  });
  document.body.addEventListener("htmx:afterRequest", (e) => {
    if (e.detail.elt === area && e.detail.successful) dirty = false;
  });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (e) => {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
})();
