/* Dashboards: draw the Plotly figures embedded as JSON data blocks, and make tables
   sortable. Everything works without this script; it only adds the pictures. */
(function () {
  "use strict";

  function drawPlots() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll(".plot[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      if (phone.matches) { fitPhone(figure); }
      window.Plotly.newPlot(el, figure.data, figure.layout, figure.config || { displayModeBar: false, responsive: true })
        .then(function () { el.dataset.drawn = "true"; });
    });
  }

  /* On a phone (a figure is built for a laptop): a smaller font, the legend and colour bar
     under the plot, axes that make their own room and fewer ticks, and long category labels
     (department names) on two lines so the bars keep most of the width. */
  var phone = window.matchMedia ? window.matchMedia("(max-width: 640px)") : { matches: false };

  function wrapLabel(text, longest) {
    text = String(text);
    if (text.length <= longest || text.indexOf("<br>") >= 0) { return text; }
    var middle = Math.floor(text.length / 2), best = -1;
    for (var i = 0; i < text.length; i++) {
      if (text[i] === " " && (best < 0 || Math.abs(i - middle) < Math.abs(best - middle))) { best = i; }
    }
    return best < 0 ? text : text.slice(0, best) + "<br>" + text.slice(best + 1);
  }

  function categoriesOf(data, letter) {
    var seen = [];
    data.forEach(function (trace) {
      var values = trace[letter];
      var horizontal = trace.orientation === "h";
      var categorical = trace.type === "heatmap" ? letter === "y" : trace.type === "bar" && horizontal === (letter === "y");
      if (!categorical || !Array.isArray(values)) { return; }
      values.forEach(function (v) { if (typeof v === "string" && seen.indexOf(v) < 0) { seen.push(v); } });
    });
    return seen;
  }

  function fitPhone(figure) {
    var layout = figure.layout = figure.layout || {};
    var data = figure.data || [];
    layout.font = Object.assign({}, layout.font, { size: 11 });
    var margin = layout.margin || {};
    layout.margin = Object.assign({}, margin, { l: Math.min(margin.l === undefined ? 40 : margin.l, 40), r: Math.min(margin.r === undefined ? 8 : margin.r, 8) });
    layout.legend = Object.assign({}, layout.legend, { orientation: "h", x: 0, xanchor: "left", y: -0.22, yanchor: "top" });
    ["x", "y"].forEach(function (letter) {
      var key = letter + "axis";
      var axis = layout[key] = Object.assign({}, layout[key], { automargin: true });
      if (letter === "x" && !axis.tickvals) { axis.nticks = Math.min(axis.nticks || 5, 5); }
      var categories = categoriesOf(data, letter);
      if (categories.length && !axis.tickvals) {
        axis.tickmode = "array";
        axis.tickvals = categories;
        axis.ticktext = categories.map(function (c) { return wrapLabel(c, letter === "y" ? 14 : 8); });
      }
    });
    data.forEach(function (trace) {
      if (trace.type === "heatmap" || trace.colorbar) {
        trace.colorbar = Object.assign({}, trace.colorbar, { orientation: "h", x: 0.5, xanchor: "center", y: -0.12, yanchor: "top", thickness: 10, len: 0.9 });
      }
    });
  }

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    var raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
    var number = parseFloat(raw);
    return raw !== "" && !isNaN(number) && isFinite(raw) ? number : raw.toLowerCase();
  }

  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th[data-sortable]");
    headers.forEach(function (th, _) {
      var index = Array.prototype.indexOf.call(th.parentNode.children, th);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.innerHTML = th.innerHTML;
      th.innerHTML = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (x === y) { return 0; }
          if (x === "" || x === "—") { return 1; }
          if (y === "" || y === "—") { return -1; }
          return (x < y ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawPlots();
    document.querySelectorAll("table.sortable").forEach(makeSortable);
  });
})();
