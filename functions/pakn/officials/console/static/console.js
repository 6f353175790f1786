// Progressive enhancement only: every page works without this file.
// A form is sent once: its buttons are disabled after the first submit (the request id makes a second
// one harmless anyway). The error summary or a confirmation takes the focus, for screen readers.
document.addEventListener("submit", function (event) {
  var buttons = event.target.querySelectorAll("button[type=submit]");
  window.setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
});
document.addEventListener("DOMContentLoaded", function () {
  var focus = document.querySelector("[data-focus]");
  if (focus) { focus.focus(); }
});
