/* The import page's progress bar: poll the job's status while the dry run or the import runs,
   and reload the page when it ends. Without this script a <noscript> refresh does the same. */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("import-bar");
  var text = document.getElementById("import-progress-text");
  var status = box.dataset.status;

  function show(s) {
    if (s.total) {
      bar.value = s.percent;
      bar.setAttribute("value", s.percent);
      text.textContent = s.processed + " of " + s.total + " rows (" + s.percent + " %)";
    } else {
      text.textContent = s.processed + " rows checked so far";
    }
  }

  function tick() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (s) {
        if (s.status !== status) { window.location.reload(); return; }
        show(s);
        window.setTimeout(tick, 1000);
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  window.setTimeout(tick, 1000);
})();
