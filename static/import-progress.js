// Follows a web import: polls its JSON status and moves the progress bar; reloads the page
// when the import has finished (the page then shows the report). Without JavaScript the page
// refreshes itself instead (a <noscript> refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("[data-bar]");
  var percent = box.querySelector("[data-percent]");
  var step = box.getAttribute("data-step-now");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        if (bar) { bar.value = status.percent; bar.textContent = status.percent + " %"; }
        if (percent) { percent.textContent = String(status.percent); }
        if (status.finished || status.status === "failed" || (step && status.step !== step)) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
