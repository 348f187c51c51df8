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
      window.Plotly.newPlot(el, figure.data, figure.layout, figure.config || { displayModeBar: false, responsive: true })
        .then(function () { el.dataset.drawn = "true"; });
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
