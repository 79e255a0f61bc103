/* Hài Lòng: "select all" on the review list: the page's responses, then (a second step) every response the
 * filter matches, which the server re-reads with the same filter and the count confirmed here. */
(function () {
  "use strict";
  var all = document.getElementById("review-check-all");
  if (!all) return;
  var form = document.getElementById("review-bulk");
  var banner = document.getElementById("review-select-matching");
  var matching = document.getElementById("review-all-matching");

  function chooseMatching(on) {
    matching.value = on ? "1" : "";
    banner.querySelectorAll("[data-matching-chosen]").forEach(function (el) { el.classList.toggle("d-none", !on); });
    banner.querySelectorAll("[data-page-chosen], [data-select-matching]").forEach(function (el) { el.classList.toggle("d-none", on); });
  }

  all.addEventListener("change", function () {
    document.querySelectorAll(".review-check").forEach(function (box) { box.checked = all.checked; });
    banner.classList.toggle("d-none", !all.checked);
    if (!all.checked) chooseMatching(false);
  });
  document.querySelectorAll(".review-check").forEach(function (box) {
    box.addEventListener("change", function () { if (!box.checked) { all.checked = false; banner.classList.add("d-none"); chooseMatching(false); } });
  });
  banner.addEventListener("click", function (event) {
    if (event.target.closest("[data-select-matching]")) chooseMatching(true);
  });
  form.addEventListener("submit", function (event) {
    if (matching.value === "1" && !window.confirm(banner.dataset.confirm)) event.preventDefault();
  });
})();
