// Show a "working" status while a long form submission (import, solve) runs.
// Progressive enhancement only: without JavaScript the form submits the same way.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-busy-message");
  if (!message) { return; }
  var status = form.querySelector(".busy");
  if (status) { status.textContent = message; }
  form.setAttribute("aria-busy", "true");
  // Keep the clicked button's value (decision buttons) by disabling on the next tick.
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  }, 0);
});
