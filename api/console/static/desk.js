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
  // A bulletin's play times: the calendar picker adds a line to the box, in the box's own format (dd/mm/yyyy hh:mm).
  document.querySelectorAll("[data-schedule-add]").forEach(function (button) {
    var form = button.closest("form");
    var pick = form && form.querySelector("[data-schedule-pick]");
    var box = form && form.querySelector("textarea[data-schedule]");
    if (!pick || !box) return;
    button.addEventListener("click", function () {
      var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(pick.value || "");
      if (!m) { pick.focus(); return; }
      var line = m[3] + "/" + m[2] + "/" + m[1] + " " + m[4];
      box.value = (box.value.replace(/\s+$/, "") ? box.value.replace(/\s+$/, "") + "\n" : "") + line;
    });
  });
  var all = document.querySelector("[data-pick-all]");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=codes][form=bulk]").forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
