/* Hài Lòng: "select all" on the review list. */
(function () {
  "use strict";
  var all = document.getElementById("review-check-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll(".review-check").forEach(function (box) { box.checked = all.checked; });
  });
})();
