/*
 * Hài Lòng: the enumerator's call list, kept right on the device between reloads and without signal.
 * An appointment whose time has come moves from "Lịch hẹn sắp tới" to the top of the cases to call (in
 * time order, before the cases without one), checked on load and every 20 seconds; a case whose
 * interview this device has taken (HLQueue.caseTaken) leaves the list.
 */
(function () {
  "use strict";

  var home = document.getElementById("enumerator-home");
  if (!home) return;
  var due = document.getElementById("call-list");
  var later = document.getElementById("appointment-list");
  var section = document.getElementById("appointments-section");
  var servedAt = Number(home.dataset.servedAt || 0);

  function dueAt(item) {
    return item.dataset.due ? Date.parse(item.dataset.due) : NaN;
  }

  function cases(list) {
    return Array.prototype.slice.call(list.querySelectorAll(".case-item"));
  }

  function refresh() {
    var now = Date.now();
    cases(later).forEach(function (item) {
      if (dueAt(item) > now) return;
      // after the appointments already due, before the cases without one
      var before = cases(due).filter(function (other) { return !(dueAt(other) <= dueAt(item)); })[0];
      due.insertBefore(item, before || due.querySelector("[data-empty]"));
    });
    cases(due).concat(cases(later)).forEach(function (item) {
      if (window.HLQueue && HLQueue.caseTaken(item.dataset.case, servedAt)) item.remove();
    });
    section.hidden = cases(later).length === 0;
    var empty = due.querySelector("[data-empty]");
    if (empty) empty.classList.toggle("d-none", cases(due).length > 0);
  }

  refresh();
  window.setInterval(refresh, 20000);
  window.HLCallList = { refresh: refresh };
})();
