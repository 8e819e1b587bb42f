// Route read entry: Enter moves to the next read field (10-key speed); on the last it saves.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.classList || !input.classList.contains("read-input")) { return; }
    var fields = Array.prototype.slice.call(document.querySelectorAll("#route-reads .read-input"));
    var next = fields[fields.indexOf(input) + 1];
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
    }
  });
})();
