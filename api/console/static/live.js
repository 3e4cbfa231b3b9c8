// The console stays current without reloading: badges, the case list and the case timeline update in place, and an
// emergency nobody has taken yet rings, shows an alert and (once allowed) a browser notification.
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live || !window.fetch) return;
  var interval = Number(live.getAttribute("data-live-interval")) || 5000;
  var caseMarker = document.querySelector("[data-case-code]");
  var caseCode = caseMarker ? caseMarker.getAttribute("data-case-code") : null;
  var onList = !!document.getElementById("live-list");
  var alertBox = document.querySelector("[data-testid=live-alert]");
  var enable = document.querySelector("[data-notify-enable]");
  var seen = null;
  var stopped = false;
  var timer = null;
  var announced = {};
  try { announced = JSON.parse(sessionStorage.getItem("xaso-announced") || "{}"); } catch (e) { announced = {}; }

  function badge(name, count) {
    var el = live.querySelector('[data-badge="' + name + '"]');
    if (!el) return;
    el.querySelector("span").textContent = String(count);
    el.hidden = !count;
  }

  function refresh(ids) {
    return fetch(location.href, { credentials: "same-origin", cache: "no-store", redirect: "error" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var now = document.getElementById(id), next = doc.getElementById(id);
          if (now && next) now.replaceWith(document.importNode(next, true));
        });
      });
  }

  function ring() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      [0, 0.35, 0.7].forEach(function (at) {
        var osc = ctx.createOscillator(), gain = ctx.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.2;
        osc.connect(gain);
        gain.connect(ctx.destination);
        osc.start(ctx.currentTime + at);
        osc.stop(ctx.currentTime + at + 0.2);
      });
    } catch (e) { /* no sound device: the alert and the notification remain */ }
  }

  function announce(items) {
    ring();
    var text = items.map(function (u) { return u.code + " – " + u.title; }).join("; ");
    alertBox.textContent = "🚨 Hồ sơ khẩn cấp mới: " + text;
    alertBox.hidden = false;
    if ("Notification" in window && Notification.permission === "granted") {
      items.forEach(function (u) {
        new Notification("🚨 Khẩn cấp: " + u.code, { body: u.title, tag: u.code, requireInteraction: true });
      });
    }
    items.forEach(function (u) { announced[u.code] = 1; });
    try { sessionStorage.setItem("xaso-announced", JSON.stringify(announced)); } catch (e) { /* private mode */ }
  }

  function poll() {
    var url = "/staff/live.json" + (caseCode ? "?case=" + encodeURIComponent(caseCode) : "");
    return fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "error" })
      .then(function (r) {
        if (r.status === 401) { stopped = true; clearInterval(timer); }  // logged out in another tab
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (!s) return;
        badge("waiting", s.waiting);
        badge("mine", s.mine);
        badge("mentions", s.mentions || 0);
        badge("urgent", s.urgent.length);
        var key = [s.latest_id, s.open, s.waiting, s.urgent.map(function (u) { return u.code; }).join(",")].join("|");
        if (seen && key !== seen.key && onList) refresh(["live-pinned", "live-list", "live-total"]);
        if (seen && caseCode && s.case_entries !== seen.entries) refresh(["live-timeline"]);
        seen = { key: key, entries: s.case_entries };
        var fresh = s.urgent.filter(function (u) { return !announced[u.code]; });
        if (fresh.length) announce(fresh);
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  if (enable && "Notification" in window && Notification.permission === "default") {
    enable.hidden = false;
    enable.addEventListener("click", function () {
      Notification.requestPermission().then(function () { enable.hidden = true; });
    });
  }
  timer = setInterval(function () { if (!stopped) poll(); }, interval);
  poll();
})();
