// Keeps the freshness line honest and the page's figures fresh: polls the campaign's recompute state
// (every second while a recompute is asked for or running, every 5 s otherwise, only while the page is
// visible), moves the progress bar, and reloads the page when the figures were computed again (a new
// "computed at"), so that every figure on it is the new one without anyone pressing anything.
(function () {
  "use strict";
  var root = document.getElementById("freshness");
  if (!root) { return; }
  var bar = document.getElementById("recompute-bar");
  var stage = document.getElementById("recompute-stage");
  var progress = document.getElementById("recompute-progress");
  var timer = null;

  function show(state) {
    if (!bar) { return; }
    progress.classList.toggle("d-none", !state.busy);
    bar.style.width = state.progress + "%";
    bar.textContent = state.progress + "%";
    progress.setAttribute("aria-valuenow", state.progress);
    stage.textContent = state.busy ? state.stage : "";
  }

  function later(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, ms);
  }

  function poll() {
    if (document.visibilityState === "hidden") { return; }  // resumed by visibilitychange
    fetch(root.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.computed_at && state.computed_at !== root.dataset.computed && !state.busy) { window.location.reload(); return; }
        later(state.busy ? 1000 : 5000);
      })
      .catch(function () { later(10000); });
  }

  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { later(0); } });
  later(root.dataset.busy === "1" ? 1000 : 5000);
})();
