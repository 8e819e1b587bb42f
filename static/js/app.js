// UtilityClerk keyboard helpers. No inline scripts anywhere: the CSP allows only this origin.
(function () {
  "use strict";

  function isTyping(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // A full card number typed into a search box is refused here, before it is sent: it then
  // reaches no server log. (The server refuses it too.) 13-19 digits passing the Luhn check.
  function looksLikeCard(value) {
    var digits = (value || "").replace(/[\s-]/g, "");
    if (!/^\d{13,19}$/.test(digits)) { return false; }
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = +digits[digits.length - 1 - i];
      if (i % 2) { d = d * 2 > 9 ? d * 2 - 9 : d * 2; }
      sum += d;
    }
    return sum % 10 === 0;
  }
  var CARD_MESSAGE = "That looks like a full card number. Never type it here: search by account, " +
    "name, address or phone, and take only the card's last four digits.";
  function refuseCard(box) {
    var results = document.getElementById("search-results");
    box.value = "";
    if (results && box.id === "global-search-input") {
      var p = document.createElement("p");
      p.className = "search-empty field-error";
      p.setAttribute("role", "alert");
      p.textContent = CARD_MESSAGE;
      results.replaceChildren(p);
    } else {
      window.alert(CARD_MESSAGE);
    }
  }
  document.addEventListener("htmx:confirm", function (event) {
    var box = event.target;
    if (box && box.name === "q" && looksLikeCard(box.value)) { event.preventDefault(); refuseCard(box); }
  });
  document.addEventListener("submit", function (event) {
    var box = event.target.querySelector && event.target.querySelector('input[name="q"], input[name="receipt"]');
    if (box && looksLikeCard(box.value)) { event.preventDefault(); refuseCard(box); }
  }, true);

  // "/" focuses the global search from anywhere, unless the clerk is typing in a field.
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(document.activeElement)) {
      var box = document.getElementById("global-search-input");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    }
  });

  // Search results: arrow keys walk them, Enter opens the highlighted one, Escape closes;
  // from the top bar's box over its live list, and from the search page's box over the page's.
  var RESULTS_OF = { "global-search-input": "#search-results", "page-search": "main .search-results" };
  function resultLinks(box) {
    var list = RESULTS_OF[(box || document.getElementById("global-search-input") || {}).id];
    return list ? Array.prototype.slice.call(document.querySelectorAll(list + " a.result")) : [];
  }
  function highlight(links, index) {
    links.forEach(function (a, i) {
      a.classList.toggle("active", i === index);
      a.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    var box = document.getElementById("global-search-input");
    if (box && (!links.length || links[0].closest("#search-results"))) {
      box.setAttribute("aria-expanded", resultLinks(box).length ? "true" : "false");
      if (links[index] && links[index].id) { box.setAttribute("aria-activedescendant", links[index].id); }
      else { box.removeAttribute("aria-activedescendant"); }
    }
    if (links[index]) { links[index].scrollIntoView({ block: "nearest" }); }
  }
  // What is typed makes the highlighted row stale: Enter then searches for the new text.
  document.addEventListener("input", function (event) {
    if (event.target && RESULTS_OF[event.target.id]) { highlight(resultLinks(event.target), -1); }
  });
  document.addEventListener("keydown", function (event) {
    var box = document.activeElement;
    if (!box || !RESULTS_OF[box.id]) { return; }
    var links = resultLinks(box);
    var current = links.findIndex(function (a) { return a.classList.contains("active"); });
    if (event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      highlight(links, Math.min(current + 1, links.length - 1));
    } else if (event.key === "ArrowUp" && links.length) {
      event.preventDefault();
      highlight(links, Math.max(current - 1, 0));
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      window.location.href = links[current].href;
    } else if (event.key === "Escape" && box.id === "global-search-input") {
      // Close the list and leave the box, so the next key is a shortcut, not a letter typed.
      document.getElementById("search-results").innerHTML = "";
      box.blur();
    }
  });
  // A fresh result list starts with its first (best) row highlighted, unless that row is
  // only a guess at a mistyped account number: Enter must not open someone else's account.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "search-results") {
      var links = resultLinks();
      highlight(links, links.length && !links[0].hasAttribute("data-guess") ? 0 : -1);
    }
  });
  document.addEventListener("click", function (event) {
    var results = document.getElementById("search-results");
    if (results && !event.target.closest(".global-search")) { results.innerHTML = ""; }
  });

  // Single-key shortcuts on the page's actions (data-shortcut="p"), when not typing.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(document.activeElement)) { return; }
    var dialog = document.getElementById("dialog");
    if (dialog && dialog.open) { return; }
    var target = document.querySelector('[data-shortcut="' + CSS.escape(event.key.toLowerCase()) + '"]');
    if (target) {
      event.preventDefault();
      // Focus first: a dialog it opens gives focus back to it when it closes (Esc, Cancel).
      target.focus();
      target.click();
    }
  });

  // Forms and pages loaded into the dialog open it; data-close-dialog closes it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = document.getElementById("dialog");
    if (dialog && event.detail.target && event.detail.target.id === "dialog-body") {
      if (event.detail.target.innerHTML.trim() === "") {
        if (dialog.open) { dialog.close(); }
      } else if (!dialog.open) {
        dialog.showModal();
      }
    }
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      event.preventDefault();
      var dialog = document.getElementById("dialog");
      if (dialog) { dialog.close(); document.getElementById("dialog-body").innerHTML = ""; }
    }
  });

  // A tab loaded in place becomes the selected tab.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "tab-panel") { return; }
    var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    var loaded = path ? path.split("?")[0] : "";
    document.querySelectorAll('.tabs [role="tab"]').forEach(function (tab) {
      tab.setAttribute("aria-selected", tab.getAttribute("hx-get") === loaded ? "true" : "false");
    });
  });

  // Tabs: Left/Right (and Home/End) move between the account page's tabs and open them,
  // as the WAI-ARIA tabs pattern has it.
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest('.tabs [role="tab"]');
    if (!tab) { return; }
    var tabs = Array.prototype.slice.call(tab.closest(".tabs").querySelectorAll('[role="tab"]'));
    var index = tabs.indexOf(tab);
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }  // Alt+Left is Back
    var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) { return; }
    event.preventDefault();
    var target = tabs[(next + tabs.length) % tabs.length];
    target.focus();
    target.click();
  });

  // Print: the server counts the copy and sends the receipt as this copy prints (REPRINT on a
  // second one) into an element marked data-print-on-swap; then the browser prints it, in
  // place (no new tab). Without HTMX the form posts and the page comes back data-print-now.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.hasAttribute("data-print-on-swap")) { window.print(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-print-now]")) { window.print(); }
  });

  // A form with data-confirm asks before it posts (approving money that no one typed again).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  // A checkbox with data-hides="#id" hides that element while it is ticked ("Mail bills to
  // the service address" hides the mailing fields the server then fills in).
  function syncHidden(box) {
    document.querySelectorAll(box.getAttribute("data-hides")).forEach(function (el) {
      el.hidden = box.checked;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[data-hides]")) { syncHidden(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-hides]").forEach(syncHidden);
  });

  // What takes focus when a page or an HTMX swap arrives: the first field a re-rendered form
  // says is wrong, else the element marked data-autofocus, else the first field of a form
  // marked data-focus-first (the clerk came to fill it in).
  var FIELD = 'input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])';
  function autofocus(root) {
    if (!root) { return; }
    var first = root.querySelector("form[data-focus-first]");
    var el = root.querySelector('[aria-invalid="true"]') || root.querySelector("[data-autofocus]")
      || (first && first.querySelector(FIELD));
    // Already where the clerk is typing: leave what they typed as it is (not selected).
    if (!el || el === document.activeElement) { return; }
    el.focus();
    // A prefilled amount (the amount due) is selected, so what the clerk keys in replaces it.
    if (el.classList.contains("amount")) { el.select(); }
  }
  // On page load only while nothing has focus yet: keystrokes typed before the script ran
  // must not be split between two boxes.
  document.addEventListener("DOMContentLoaded", function () {
    var idle = !document.activeElement || document.activeElement === document.body;
    var toSearch = sessionStorage.getItem("uc-focus-search");
    sessionStorage.removeItem("uc-focus-search");
    var box = document.getElementById("global-search-input");
    if (toSearch && box && idle) { box.focus(); box.select(); return; }
    if (idle) { autofocus(document); }
  });
  // A payment posted: closing its dialog (Esc) reloads the page behind it, so the balance
  // there counts the payment, and puts the clerk in the search box for the next customer.
  document.addEventListener("close", function (event) {
    if (event.target.id !== "dialog" || !event.target.querySelector('[data-after-close="search"]')) { return; }
    sessionStorage.setItem("uc-focus-search", "1");
    window.location.reload();
  }, true);
  // On the swap itself, in the same task, after the dialog has opened (showModal focuses its
  // first field): waiting for the settle would take focus back from a clerk who had already
  // typed the amount and moved on to the tender, so the tender's digits landed in the amount.
  // htmx wires up the swapped content's own hx- attributes only at the settle, a moment later:
  // a key pressed on the focused button before then (Enter on Print receipt) would send its
  // form as a plain post and leave the page. Wiring them now (htmx skips what it has wired
  // already) makes the focused element do what it says from the first key.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (window.htmx && event.detail.target) { window.htmx.process(event.detail.target); }
    autofocus(event.detail.target);
  });
})();
