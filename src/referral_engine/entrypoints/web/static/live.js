// Refreshes elements marked data-live-src in place (the read models' lag and rebuild progress).
// Without this script the page refreshes itself (a <noscript> meta refresh) instead.
// The refreshed figures are not announced to screen readers (they tick every second): the
// element named by data-live-summary, a polite live region, repeats the fragment's one-line
// summary (its [data-summary]) only when that summary changes.
"use strict";
document.querySelectorAll("[data-live-src]").forEach(function (element) {
  var every = parseInt(element.getAttribute("data-live-every"), 10) || 2000;
  var summary = document.getElementById(element.getAttribute("data-live-summary") || "");
  var busy = false;
  var last = null;
  function summarise() {
    var said = element.querySelector("[data-summary]");
    var text = said ? said.getAttribute("data-summary") : "";
    if (summary && summary.textContent !== text) { summary.textContent = text; }
  }
  window.setInterval(function () {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(element.getAttribute("data-live-src"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        // keep the focused button's place: only replace when nothing inside has focus
        if (html !== null && html !== last && !element.contains(document.activeElement)) {
          element.innerHTML = html;
          last = html;
          summarise();
        }
      })
      .catch(function () {})
      .finally(function () { busy = false; });
  }, every);
});
