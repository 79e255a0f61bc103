// Draws the campaign dashboard's charts from the JSON that the page passes with json_script.
// plotly.js (about 390 KB compressed) is fetched here, after the page is parsed (the script tag's
// data-lazy-script): on a slow phone network the page, its tables and its menu do not wait for it (issue 17).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source) { return; }
  var texts = (document.getElementById("dashboard-text") || { dataset: {} }).dataset;
  var plotly = document.currentScript && document.currentScript.dataset.lazyScript;
  if (typeof Plotly !== "undefined") {
    drawAll();
  } else if (plotly) {
    var script = document.createElement("script");
    script.src = plotly;
    script.onload = drawAll;
    script.onerror = function () {
      document.querySelectorAll(".chart").forEach(function (node) {
        node.textContent = texts.failed || "—";
        node.classList.add("text-muted", "small");
      });
    };
    document.body.appendChild(script);
  }

  function drawAll() {
    var data = JSON.parse(source.textContent);
    // Numbers the way the page's language writes them (units/formatting.py): vi "84,50%", en "84.50%".
    var english = document.documentElement.lang === "en";
    var config = { displaylogo: false, responsive: true, locale: english ? "en" : "vi" };
    var layoutBase = { margin: { l: 60, r: 20, t: 10, b: 40 }, separators: english ? ".," : ",.", font: { family: "system-ui, sans-serif", size: 12 } };

    function layout(extra) { return Object.assign({}, layoutBase, extra); }
    function percent(v) { return v === null ? "—" : (english ? v.toFixed(2) : v.toFixed(2).replace(".", ",")) + "%"; }
    function draw(id, traces, extra) {
      var node = document.getElementById(id);
      if (!node) { return; }
      if (!traces.length) { node.textContent = texts.empty || "—"; node.classList.add("text-muted", "small"); return; }
      Plotly.newPlot(node, traces, layout(extra), config);
      node.dataset.drawn = "1";
    }

    // On a phone the bars get the width: elements are named by their codes (the table below has the titles).
    var narrow = window.matchMedia("(max-width: 575.98px)").matches;
    var elements = data.elements.filter(function (e) { return e.value !== null; });
    draw("chart-elements", elements.length ? [{
      type: "bar", orientation: "h", y: elements.map(function (e) { return narrow ? e.code : e.label; }), x: elements.map(function (e) { return e.value; }),
      text: elements.map(function (e) { return percent(e.value); }), textposition: "auto", marker: { color: "#1f4e79" },
      hovertemplate: "%{y}: %{text}<extra></extra>"
    }] : [], {
      height: 60 + 40 * elements.length, xaxis: { range: [0, 100], ticksuffix: "%" }, yaxis: { automargin: true, autorange: "reversed" },
      shapes: [{ type: "line", x0: data.target, x1: data.target, yref: "paper", y0: 0, y1: 1, line: { color: "#c00000", dash: "dash" } }]
    });

    var trend = data.trend.filter(function (p) { return p.value !== null; });
    draw("chart-trend", trend.length ? [{
      type: "scatter", mode: "lines+markers+text", x: trend.map(function (p) { return narrow ? p.label.split(" · ")[0] : p.label; }), y: trend.map(function (p) { return p.value; }),
      text: trend.map(function (p) { return percent(p.value); }), textposition: "top center", line: { color: "#1f4e79" }
    }] : [], { height: 260, yaxis: { range: [0, 105], ticksuffix: "%" }, xaxis: { type: "category", range: [-0.5, trend.length - 0.5] } });

    var levels = [];
    data.distributions.forEach(function (d) { d.levels.forEach(function (l) { if (levels.indexOf(l.label) < 0) { levels.push(l.label); } }); });
    var palette = ["#c00000", "#ed7d31", "#bfbfbf", "#70ad47", "#2e75b6", "#7030a0", "#595959"];
    var codes = data.distributions.map(function (d) { return d.code; });
    draw("chart-distribution", data.distributions.length ? levels.map(function (label, i) {
      return {
        type: "bar", orientation: "h", name: label, y: codes, marker: { color: palette[i % palette.length] },
        x: data.distributions.map(function (d) { var hit = d.levels.filter(function (l) { return l.label === label; })[0]; return hit ? hit.percent : 0; }),
        customdata: data.distributions.map(function (d) { return d.text; }),
        hovertemplate: "%{y} · " + label + ": %{x:.2f}%<br>%{customdata}<extra></extra>"
      };
    }) : [], {
      barmode: "stack", height: 80 + 28 * codes.length, xaxis: { range: [0, 100], ticksuffix: "%" },
      yaxis: { autorange: "reversed", automargin: true }, legend: { orientation: "h", y: -0.15 }
    });
  }
})();
