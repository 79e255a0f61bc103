// Polls an export job's status and updates the progress bar, the error and the download link.
(function () {
  "use strict";
  var root = document.getElementById("export-job");
  if (!root || root.dataset.finished === "1") { return; }
  var bar = document.getElementById("export-bar");
  var label = document.getElementById("export-label");

  function show(status) {
    bar.style.width = status.progress + "%";
    bar.textContent = status.progress + "%";
    bar.parentNode.setAttribute("aria-valuenow", status.progress);
    label.textContent = status.label;
    if (status.error) {
      document.getElementById("export-error-text").textContent = status.error;
      document.getElementById("export-error").classList.remove("d-none");
      bar.classList.add("bg-danger");
    }
    document.getElementById("export-retry").classList.toggle("d-none", !status.retryable);
    if (status.ready) {
      var link = document.getElementById("export-download");
      link.href = status.download_url;
      link.classList.remove("d-none");
      bar.classList.add("bg-success");
    }
    if (status.finished) { bar.classList.remove("progress-bar-animated"); }
  }

  function poll() {
    fetch(root.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (status) { show(status); if (!status.finished) { window.setTimeout(poll, status.stuck ? 5000 : 1000); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
