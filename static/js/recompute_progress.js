// Keeps the freshness line honest: while a recompute is asked for or running, polls its state and moves
// the progress bar; while counted changes wait, polls more slowly. When the figures were computed again
// (a new "computed at"), reloads the page so that every figure on it is the new one.
(function () {
  "use strict";
  var root = document.getElementById("freshness");
  if (!root) { return; }
  var bar = document.getElementById("recompute-bar");
  var stage = document.getElementById("recompute-stage");
  var progress = document.getElementById("recompute-progress");

  function show(state) {
    if (!bar) { return; }
    progress.classList.toggle("d-none", !state.busy);
    bar.style.width = state.progress + "%";
    bar.textContent = state.progress + "%";
    progress.setAttribute("aria-valuenow", state.progress);
    stage.textContent = state.busy ? state.stage : "";
  }

  function poll() {
    fetch(root.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.computed_at !== root.dataset.computed && !state.busy) { window.location.reload(); return; }
        if (state.busy || state.waiting) { window.setTimeout(poll, state.busy ? 1000 : 5000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (root.dataset.busy === "1" || root.dataset.waiting === "1") { poll(); }
})();
