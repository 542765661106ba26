// Refreshes elements marked data-live-src in place (the read models' lag and rebuild progress).
// Without this script the page refreshes itself (a <noscript> meta refresh) instead.
"use strict";
document.querySelectorAll("[data-live-src]").forEach(function (element) {
  var every = parseInt(element.getAttribute("data-live-every"), 10) || 2000;
  var busy = false;
  window.setInterval(function () {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(element.getAttribute("data-live-src"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        // keep the focused button's place: only replace when nothing inside has focus
        if (html !== null && !element.contains(document.activeElement)) {
          element.innerHTML = html;
        }
      })
      .catch(function () {})
      .finally(function () { busy = false; });
  }, every);
});
