// Drag a booking onto a free slot: POST the move through htmx; the server checks the same rules
// as the booking form and answers the re-rendered calendar (with the refusal, if any).
(function () {
  let dragged = null;
  document.addEventListener("dragstart", (e) => {
    const cell = e.target.closest && e.target.closest(".cell[data-booking]");
    if (!cell) return;
    dragged = cell.dataset.booking;
    e.dataTransfer.setData("text/plain", dragged);
    e.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", (e) => {
    const cell = e.target.closest && e.target.closest(".calendar-grid .cell[data-slot]");
    if (!cell || !dragged) return;
    e.preventDefault();
    cell.classList.add("drop-target");
  });
  document.addEventListener("dragleave", (e) => {
    const cell = e.target.closest && e.target.closest(".cell");
    if (cell) cell.classList.remove("drop-target");
  });
  document.addEventListener("drop", (e) => {
    const cell = e.target.closest && e.target.closest(".calendar-grid .cell[data-slot]");
    const booking = dragged || e.dataTransfer.getData("text/plain");
    dragged = null;
    if (!cell || !booking) return;
    e.preventDefault();
    cell.classList.remove("drop-target");
    const grid = cell.closest(".calendar-grid");
    const url = grid.dataset.moveUrl.replace("/0/", "/" + booking + "/");
    const values = Object.fromEntries(new URLSearchParams(grid.dataset.query));
    values.slot = cell.dataset.slot;
    htmx.ajax("POST", url, { target: "#calendar", swap: "innerHTML", values: values });
  });
})();
