// Wide tables on a phone: each row of a `table-stack` table becomes a card of "heading: value" lines
// (static/css/hailong.css). The headings are copied here from the table's head into each cell's data-label,
// so the rows (often rendered in Python) need no label of their own. Without script the table scrolls sideways.
(function () {
  "use strict";
  document.querySelectorAll("table.table-stack").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead tr:last-child th"), function (th) { return th.textContent.trim(); });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (!cell.hasAttribute("data-label")) { cell.setAttribute("data-label", heads[i] || ""); }
      });
    });
    table.classList.add("table-stacked");
  });

  // A search box over a long table (templates/campaigns/builder/_row_filter.html): rows whose data-filter-text
  // (else their text) holds what is typed, accents and case aside ("phuong" finds "Phường"); rows marked
  // data-filter-keep (totals) always stay. Hidden rows keep their inputs in the form.
  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  document.querySelectorAll("input[data-filter-rows]").forEach(function (input) {
    var table = document.querySelector(input.getAttribute("data-filter-rows"));
    if (!table) { return; }
    var rows = Array.prototype.filter.call(table.querySelectorAll("tbody tr"), function (row) { return !row.hasAttribute("data-filter-keep"); });
    var texts = rows.map(function (row) { return plain(row.getAttribute("data-filter-text") || row.textContent); });
    var count = document.getElementById(input.id + "-count");
    input.closest(".row-filter").hidden = false;
    input.addEventListener("input", function () {
      var wanted = plain(input.value.trim()), shown = 0;
      rows.forEach(function (row, i) {
        row.hidden = wanted !== "" && texts[i].indexOf(wanted) === -1;
        if (!row.hidden) { shown += 1; }
      });
      if (count) {
        count.textContent = wanted === "" ? "" : input.getAttribute("data-filter-summary").replace("{shown}", shown).replace("{total}", rows.length);
      }
    });
  });
})();
