/* The survey editor: add wording rows, questions and rules without saving first, and keep the
   preview up to date while typing. Everything works without this script: the empty block
   after each list adds one item per save, and "Preview changes" refreshes the preview. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.getElementById("survey-editor");
  if (!form) { return; }

  document.querySelectorAll("[data-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.dataset.add;
      var total = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      var template = document.getElementById(prefix + "-template");
      var list = form.querySelector("[data-formset='" + prefix + "']");
      if (!total || !template || !list) { return; }
      var index = parseInt(total.value, 10);
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var item = holder.firstElementChild;
      list.appendChild(item);
      total.value = String(index + 1);
      var first = item.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  });

  var previewButton = document.getElementById("preview-button");
  var language = document.getElementById("preview-language");
  if (!previewButton || typeof form.requestSubmit !== "function") { return; }
  var timer = null;
  function refresh() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { form.requestSubmit(previewButton); }, 600);
  }
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  if (language) { language.addEventListener("change", refresh); }
})();
