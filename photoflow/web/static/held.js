// Tick every held record on the page at once, and confirm bulk decisions before they are sent.
(function () {
  "use strict";
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=records]").forEach(function (box) { box.checked = all.checked; });
    });
  }
  const bulk = document.getElementById("held-bulk");
  if (bulk) {
    bulk.addEventListener("submit", function (event) {
      if (!window.confirm("确认按筛选条件批量处理？ / Decide every record matching the filter?")) event.preventDefault();
    });
  }
})();
