// Desk helpers that need a script (the console allows no inline scripts): a canned reply fills the reply box,
// and the list's "select all" box ticks every row.
(function () {
  "use strict";
  document.querySelectorAll("select[data-canned]").forEach(function (select) {
    select.addEventListener("change", function () {
      var box = document.getElementById(select.getAttribute("data-canned"));
      if (box && select.value) { box.value = select.value; box.focus(); }
    });
  });
  var all = document.querySelector("[data-pick-all]");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=codes][form=bulk]").forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
