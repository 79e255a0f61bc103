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
})();
