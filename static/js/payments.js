// Payments: the receipt page's print button. Loaded by the pages that need it (CSP: no
// inline script). The change due in the take-payment dialog is computed by the server as the
// clerk types (hx-get on the output), so it also works in the dialog, where scripts are not run.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();
