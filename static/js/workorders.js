// Work order board: tick every order on the page at once, and say how many are ticked.
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('#bulk-form input[name="orders"]'));
  }
  function showCount() {
    var out = document.getElementById("selected-count");
    if (!out) { return; }
    var n = boxes().filter(function (b) { return b.checked; }).length;
    out.textContent = n ? n + " ticked" : "";
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      boxes().forEach(function (b) { b.checked = event.target.checked; });
    }
    if (event.target.id === "select-all" || event.target.name === "orders") { showCount(); }
  });
  // The filters form submits through HTMX on change; the bulk form's own changes must not.
  document.addEventListener("htmx:afterSwap", showCount);
})();
