// Recharge: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";
  // Copy buttons: <button data-copy="#id"> copies the text or value of the target.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn) return;
    var el = document.querySelector(btn.getAttribute("data-copy"));
    if (!el) return;
    var text = el.value !== undefined ? el.value : el.textContent;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text.trim()).then(function () {
        var old = btn.textContent;
        btn.textContent = btn.getAttribute("data-copied") || "✓";
        setTimeout(function () { btn.textContent = old; }, 1500);
      });
    }
  });
  // Forms with data-confirm ask before submitting.
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  }, true);
  // Money forms with data-once: after the first submit, the button is disabled so a
  // double click sends one request (the server-side one-shot token is the real guard).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-once")) return;
    if (form.getAttribute("data-submitted")) { ev.preventDefault(); return; }
    form.setAttribute("data-submitted", "1");
    var btn = form.querySelector("button[type=submit]");
    if (btn) { setTimeout(function () { btn.disabled = true; btn.setAttribute("aria-busy", "true"); }, 0); }
  });
  // Coming back with the Back button restores the page as it was: re-enable those forms.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      form.removeAttribute("data-submitted");
      var btn = form.querySelector("button[type=submit]");
      if (btn) { btn.disabled = false; btn.removeAttribute("aria-busy"); }
    });
  });
  // Print buttons (invoices).
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-print]")) window.print();
  });
  // Phone menu: the sidebar becomes a horizontal strip; bring the current page's tab
  // into view (centred) instead of leaving it past the right edge.
  document.addEventListener("DOMContentLoaded", function () {
    var a = document.querySelector(".sidebar nav a[aria-current=page]");
    var strip = a && a.closest("ul");
    if (!strip || strip.scrollWidth <= strip.clientWidth) return;
    var r = a.getBoundingClientRect(), s = strip.getBoundingClientRect();
    strip.scrollLeft += (r.left - s.left) - (strip.clientWidth - r.width) / 2;
  });
  // Auto-submit selects (language switch, filters) when JavaScript runs.
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("select[data-autosubmit]")) {
      ev.target.form.requestSubmit ? ev.target.form.requestSubmit() : ev.target.form.submit();
    }
  });
})();
// After a credited code, clear the code field (the result element carries data-status).
document.addEventListener("htmx:afterSwap", function (ev) {
  var res = document.getElementById("dedipass-result");
  var form = ev.detail && ev.detail.requestConfig && ev.detail.requestConfig.elt;
  if (res && form && form.getAttribute && form.getAttribute("data-reset-on") === res.getAttribute("data-status")) {
    form.reset();
  }
});
