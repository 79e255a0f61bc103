// Polls an import job (units.import_jobs) and shows its progress, then its summary or its errors.
(function () {
  "use strict";
  var job = document.getElementById("import-job");
  if (!job || job.dataset.finished === "1") { return; }
  var bar = document.getElementById("import-bar");

  function render(state) {
    bar.style.width = state.progress + "%";
    bar.textContent = state.progress + "%";
    bar.parentNode.setAttribute("aria-valuenow", state.progress);
    document.getElementById("import-label").textContent = state.label;
    var message = document.getElementById("import-message");
    message.textContent = state.message;
    var list = document.getElementById("import-errors");
    list.replaceChildren.apply(list, state.errors.map(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
    if (!state.finished) { return; }
    bar.classList.remove("progress-bar-animated");
    bar.classList.add(state.status === "done" ? "bg-success" : "bg-danger");
    message.classList.toggle("text-danger", state.status === "failed");
    var back = document.getElementById("import-back");
    back.href = state.back_url;
    back.classList.remove("d-none");
  }

  function ask() {
    fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (state) { render(state); if (!state.finished) { window.setTimeout(ask, 1500); } })
      .catch(function () { window.setTimeout(ask, 4000); });
  }
  ask();
})();
