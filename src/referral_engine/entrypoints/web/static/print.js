// The "Print" button of a paper's page: shown only where scripts run (else the browser's own
// print command does the same).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
