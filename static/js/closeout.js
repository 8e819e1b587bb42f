// Drawer count: live amount per denomination and the cash total, worked in whole cents.
// Display only: the server counts again from the quantities.
(function () {
  "use strict";
  function cents(value) { return Math.round(parseFloat(value) * 100); }
  function format(c) {
    var sign = c < 0 ? "-" : "";
    c = Math.abs(c);
    var dollars = Math.floor(c / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + "$" + dollars + "." + String(c % 100).padStart(2, "0");
  }
  function recount(table) {
    var total = 0;
    table.querySelectorAll("input.qty").forEach(function (input) {
      var qty = /^\d+$/.test(input.value.trim()) ? parseInt(input.value, 10) : 0;
      var line = qty * cents(input.dataset.value);
      total += line;
      var cell = input.closest("tr").querySelector(".line-amount");
      if (cell) { cell.textContent = format(line); }
    });
    var out = table.querySelector("#cash-counted");
    if (out) { out.textContent = format(total); }
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("input.qty")) { recount(event.target.closest("table")); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.count-table").forEach(recount);
    // Start at the first denomination, unless the clerk is already typing somewhere (the
    // script can arrive after the first keystrokes; taking focus then would put them in the
    // wrong box).
    var first = document.querySelector("table.count-table input.qty");
    var idle = !document.activeElement || document.activeElement === document.body;
    if (first && idle && !document.querySelector(".field-error")) { first.focus(); first.select(); }
  });
})();
