/* Xã Số — khung chat nhúng cho trang web của xã/phường.
 * Nhúng bằng một thẻ:  <script src="https://<cổng>/static/web/widget.js" data-commune="xa-demo" async></script>
 * Tuỳ chọn: data-title, data-open="true" (mở sẵn), data-base (địa chỉ cổng, mặc định lấy từ src).
 * Tin nhắn của người dân và của bot chỉ được hiển thị bằng textContent (không bao giờ innerHTML).
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-xaso-widget],script[src*='widget.js']");
  if (!script || window.__xasoWidget) return;
  window.__xasoWidget = true;

  var base = (script.getAttribute("data-base") || new URL(script.src, location.href).origin).replace(/\/$/, "");
  var commune = script.getAttribute("data-commune") || "";
  var title = script.getAttribute("data-title") || "Trợ lý ảo UBND xã";
  var key = "xaso:" + base + ":" + (commune || "default");
  var MAX_KEPT = 200;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
  }
  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var state = load();
  state.sender = state.sender || randomId();
  state.log = state.log || [];
  state.lastEventId = state.lastEventId || 0;
  function save() {
    state.log = state.log.slice(-MAX_KEPT);
    try { localStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* private mode: session only */ }
  }
  save();

  var host = document.createElement("div");
  host.id = "xaso-chat";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = document.createElement("style");
  css.textContent = [
    ":host{all:initial}",
    ".btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;background:#c62828;color:#fff;border:0;border-radius:28px;",
    "padding:14px 20px;font:600 15px system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}",
    ".panel{position:fixed;right:20px;bottom:80px;z-index:2147483000;width:360px;max-width:calc(100vw - 40px);height:520px;",
    "max-height:calc(100vh - 120px);display:none;flex-direction:column;background:#fff;border-radius:12px;overflow:hidden;",
    "box-shadow:0 8px 30px rgba(0,0,0,.3);font:15px/1.45 system-ui,sans-serif;color:#1b1b1b}",
    ".panel.open{display:flex}",
    ".head{background:#c62828;color:#fff;padding:12px 14px;font-weight:600;display:flex;justify-content:space-between}",
    ".head button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".status{font-size:12px;padding:4px 12px;background:#fff3e0;color:#8a4b00;display:none}",
    ".status.show{display:block}",
    ".log{flex:1;overflow-y:auto;padding:12px;background:#f6f6f6}",
    ".msg{max-width:85%;margin:6px 0;padding:8px 12px;border-radius:14px;white-space:pre-wrap;word-wrap:break-word}",
    ".bot{background:#fff;border:1px solid #e3e3e3;margin-right:auto}",
    // A person of the commune answering: another colour and a name tag, never mistaken for the bot.
    ".staff{background:#e8f1fb;border:1px solid #9cc0e6;margin-right:auto}",
    ".who{display:block;font-size:12px;font-weight:700;color:#0d47a1;margin-bottom:2px}",
    ".code{white-space:nowrap;font-weight:600}",
    ".user{background:#c62828;color:#fff;margin-left:auto}",
    ".msg img{max-width:100%;border-radius:8px;display:block}",
    // A long menu never fills the panel: a few buttons, the rest behind "Xem thêm", and a scroll if still tall.
    ".quick{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px;max-height:40%;overflow-y:auto}",
    ".msg .call{display:block;margin-top:8px;padding:8px 12px;border-radius:8px;background:#c62828;color:#fff;font-weight:700;text-align:center;text-decoration:none}",
    ".quick button{border:1px solid #c62828;color:#c62828;background:#fff;border-radius:16px;padding:5px 12px;cursor:pointer;font:14px system-ui,sans-serif}",
    ".bar{display:flex;border-top:1px solid #ddd}",
    "form{display:flex;flex:1;min-width:0}",
    "input{flex:1;border:0;padding:12px;font:15px system-ui,sans-serif;outline:none}",
    "form button{border:0;background:#c62828;color:#fff;padding:0 16px;font-weight:600;cursor:pointer}",
    ".tool{border:0;background:#fff;color:#c62828;padding:0 6px;font:600 13px system-ui,sans-serif;cursor:pointer;white-space:nowrap}",
    "button:disabled{opacity:.5;cursor:default}",
    // On a phone the open chat takes the whole screen (and the round button steps aside).
    "@media (max-width:480px){.panel{left:0;right:0;top:0;bottom:0;width:100%;max-width:none;height:100%;",
    "max-height:none;border-radius:0}.btn.hidden{display:none}input{font-size:16px}}"
  ].join("");
  root.appendChild(css);

  var toggle = el("button", "btn", "💬 Hỏi đáp với UBND xã");
  toggle.setAttribute("aria-label", "Mở khung chat");
  var panel = el("div", "panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var head = el("div", "head");
  head.appendChild(el("span", "", title));
  var close = el("button", "", "×");
  close.setAttribute("aria-label", "Đóng");
  head.appendChild(close);
  var status = el("div", "status", "");
  var log = el("div", "log");
  log.setAttribute("aria-live", "polite");
  var form = el("form");
  var input = el("input");
  input.placeholder = "Nhập câu hỏi của anh/chị…";
  input.setAttribute("aria-label", "Tin nhắn");
  input.maxLength = 4000;
  var send = el("button", "", "Gửi");
  send.type = "submit";
  // A photo (uploaded to the gateway, then sent with a message) and the browser's location, for reports. The file
  // picker is never attached to the page: the 📷 button opens it.
  var picker = document.createElement("input");
  picker.type = "file"; picker.accept = "image/jpeg,image/png,image/gif,image/webp";
  var photo = el("button", "tool", "📷 Ảnh");
  photo.type = "button"; photo.title = "Gửi ảnh"; photo.setAttribute("aria-label", "Gửi ảnh");
  var place = el("button", "tool", "📍 Vị trí");
  place.type = "button"; place.title = "Gửi vị trí của tôi"; place.setAttribute("aria-label", "Gửi vị trí của tôi");
  var canLocate = !!(navigator.geolocation && window.isSecureContext !== false);
  var capabilities = canLocate ? ["image", "location"] : ["image"];
  var bar = el("div", "bar");
  bar.appendChild(photo);
  if (canLocate) bar.appendChild(place);
  form.appendChild(input); form.appendChild(send);
  bar.appendChild(form);
  panel.appendChild(head); panel.appendChild(status); panel.appendChild(log); panel.appendChild(bar);
  root.appendChild(toggle); root.appendChild(panel);
  (document.body || document.documentElement).appendChild(host);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  function setStatus(text) {
    status.textContent = text || "";
    status.className = text ? "status show" : "status";
  }
  var CODE = /\b[A-Z]{2,3}-\d{4}-\d{4,}\b/g;
  function appendText(node, text) {
    // Case codes never break across lines (each piece is a text node: nothing is parsed as HTML).
    var at = 0, m;
    CODE.lastIndex = 0;
    while ((m = CODE.exec(text))) {
      node.appendChild(document.createTextNode(text.slice(at, m.index)));
      node.appendChild(el("span", "code", m[0]));
      at = m.index + m[0].length;
    }
    node.appendChild(document.createTextNode(text.slice(at)));
  }
  function pending() {
    // The latest offer of buttons since the citizen last spoke: a staff message arriving after it keeps it.
    for (var i = state.log.length - 1; i >= 0; i--) {
      var e = state.log[i];
      if (e.from === "user") return null;
      if (quickOf(e).length) return e;
    }
    return null;
  }
  function quickOf(entry) {
    return (entry.buttons || []).filter(function (b) { return String(b.payload || "").indexOf("tel:") !== 0; });
  }
  var SHOWN_BUTTONS = 6;
  function renderQuick(entry) {
    var old = log.querySelector(".quick");
    if (old) old.remove();
    if (!entry) return;
    var quick = quickOf(entry);
    var row = el("div", "quick");
    row.setAttribute("data-testid", "quick");
    quick.forEach(function (b, i) {
      var button = el("button", "", b.title);
      button.type = "button";
      if (quick.length > SHOWN_BUTTONS + 1 && i >= SHOWN_BUTTONS) button.hidden = true;
      button.addEventListener("click", function () { row.remove(); submit(b.title, b.payload); });
      row.appendChild(button);
    });
    if (quick.length > SHOWN_BUTTONS + 1) {
      var more = el("button", "", "Xem thêm (" + (quick.length - SHOWN_BUTTONS) + ")…");
      more.type = "button";
      more.addEventListener("click", function () {
        Array.prototype.forEach.call(row.querySelectorAll("button[hidden]"), function (b) { b.hidden = false; });
        more.remove();
      });
      row.appendChild(more);
    }
    log.appendChild(row);
  }
  function render(entry) {
    var who = entry.from === "user" ? "user" : entry.from === "staff" ? "staff" : "bot";
    var bubble = el("div", "msg " + who);
    if (who === "staff") bubble.appendChild(el("span", "who", "Cán bộ xã trả lời"));
    if (entry.text) appendText(bubble, entry.text);
    if (entry.image && (/^https?:\/\//.test(entry.image) || /^data:image\/(jpeg|png);base64,/.test(entry.image))) {
      var img = document.createElement("img");
      img.src = entry.image; img.alt = "Hình ảnh";
      bubble.appendChild(img);
    }
    // "tel:" buttons (115 in an emergency) are tap-to-call links, kept on their message whatever comes after it.
    (entry.buttons || []).forEach(function (b) {
      if (String(b.payload || "").indexOf("tel:") !== 0) return;
      var call = el("a", "call", b.title);
      call.href = "tel:" + String(b.payload).slice(4).replace(/[^0-9+]/g, "");
      bubble.appendChild(call);
    });
    log.appendChild(bubble);
    renderQuick(pending());  // kept under the newest messages
    log.scrollTop = log.scrollHeight;
  }
  function add(entry) {
    state.log.push(entry); save();
    render(entry);
  }
  function addBotReplies(replies) {
    replies.forEach(function (r) {
      if (r.text || r.image) add({ from: "bot", text: r.text || "", image: r.image || null, buttons: r.buttons || [] });
    });
  }

  function post(body, attempt) {
    return fetch(base + "/webhooks/web", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (res.status >= 500) throw new Error("HTTP " + res.status);
      return res.json().then(function (data) { return { ok: res.ok, data: data }; });
    }).catch(function (err) {
      // Same message id on every retry: the gateway answers a repeat from the first attempt, never twice.
      if (attempt >= 5) throw err;
      setStatus("Mất kết nối, đang thử gửi lại…");
      return new Promise(function (r) { setTimeout(r, Math.min(8000, 500 * Math.pow(2, attempt))); })
        .then(function () { return post(body, attempt + 1); });
    });
  }

  var busy = false;
  function setBusy(flag) {
    busy = flag; send.disabled = flag; photo.disabled = flag; place.disabled = flag;
  }
  function submit(shown, payload, extra, image) {
    shown = (shown || "").trim();
    if (!shown || busy) return;
    setBusy(true);
    add({ from: "user", text: shown, image: image || null });
    var metadata = { message_id: randomId(), capabilities: capabilities };
    if (commune) metadata.commune = commune;
    Object.keys(extra || {}).forEach(function (k) { metadata[k] = extra[k]; });
    var message = extra ? (payload || "") : (payload || shown);
    post({ sender: state.sender, message: message, metadata: metadata }, 0).then(function (result) {
      setStatus("");
      if (!result.ok) {
        var err = result.data && result.data.error;
        add({ from: "bot", text: (err && err.message) || "Không gửi được tin nhắn." });
        return;
      }
      addBotReplies(result.data || []);
    }).catch(function () {
      setStatus("Không gửi được tin nhắn. Vui lòng kiểm tra kết nối mạng và thử lại.");
    }).then(function () { setBusy(false); input.focus(); });
  }

  function thumbnail(file) {
    // A small picture of the photo, made in the browser (the uploaded file is for staff only): kept in the log.
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 240 / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.width * scale));
        canvas.height = Math.max(1, Math.round(img.height * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve(canvas.toDataURL("image/jpeg", 0.7));
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not an image")); };
      img.src = url;
    });
  }

  function sendPhoto(file) {
    if (!file || busy) return;
    if (file.size > 5 * 1024 * 1024) { setStatus("Ảnh quá lớn (tối đa 5 MB)."); return; }
    var data = new FormData();
    data.append("sender", state.sender);
    if (commune) data.append("commune", commune);
    data.append("file", file);
    setBusy(true); setStatus("Đang gửi ảnh…");
    var thumb = null;
    thumbnail(file).then(function (t) { thumb = t; }, function () { thumb = null; }).then(function () {
      return fetch(base + "/webhooks/web/uploads", { method: "POST", body: data });
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, data: body }; });
    }).then(function (result) {
      setBusy(false); setStatus("");
      if (!result.ok) {
        var err = result.data && result.data.error;
        add({ from: "bot", text: (err && err.message) || "Không gửi được ảnh." });
        return;
      }
      submit("📷 Đã gửi một ảnh", "", { attachments: [result.data.url] }, thumb);
    }).catch(function () {
      setBusy(false); setStatus("Không gửi được ảnh. Vui lòng kiểm tra kết nối mạng và thử lại.");
    });
  }

  function sendLocation() {
    if (busy || !canLocate) return;
    setStatus("Đang lấy vị trí…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      setStatus("");
      var lat = pos.coords.latitude, lon = pos.coords.longitude;
      submit("📍 Vị trí của tôi (" + lat.toFixed(5) + ", " + lon.toFixed(5) + ")", "",
        { location: { latitude: lat, longitude: lon } });
    }, function () {
      setStatus("Không lấy được vị trí: hãy cho phép trình duyệt dùng vị trí, hoặc nhập địa chỉ.");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  var source = null;
  function connect() {
    if (source || !window.EventSource) return;
    var url = base + "/webhooks/web/events?sender=" + encodeURIComponent(state.sender) +
      (commune ? "&commune=" + encodeURIComponent(commune) : "") + "&after=" + state.lastEventId;
    source = new EventSource(url);
    source.addEventListener("open", function () { setStatus(""); });
    source.addEventListener("message", function (ev) {
      var m = JSON.parse(ev.data);
      if (m.id <= state.lastEventId) return;
      state.lastEventId = m.id;
      var from = m.kind === "staff_reply" ? "staff" : "bot";
      add({ from: from, text: m.text || "", image: m.image || null, buttons: m.buttons || [] });
    });
    source.addEventListener("error", function () {
      setStatus("Đang kết nối lại…");
      // The browser retries by itself; if it gave up (CLOSED), start over with the last id we saw.
      if (source.readyState === 2) { source = null; setTimeout(connect, 3000); }
    });
  }

  function open(flag) {
    panel.className = flag ? "panel open" : "panel";
    toggle.className = flag ? "btn hidden" : "btn";
    state.open = !!flag; save();
    if (flag) {
      connect();
      if (!state.log.length) submit_greeting();
      input.focus();
    }
  }
  function submit_greeting() {
    var metadata = { message_id: randomId(), capabilities: capabilities };
    if (commune) metadata.commune = commune;
    post({ sender: state.sender, message: "/start", metadata: metadata }, 0)
      .then(function (result) { if (result.ok) addBotReplies(result.data || []); })
      .catch(function () { setStatus("Chưa kết nối được với hệ thống."); });
  }

  state.log.forEach(render);
  toggle.addEventListener("click", function () { open(panel.className.indexOf("open") < 0); });
  close.addEventListener("click", function () { open(false); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); var t = input.value; input.value = ""; submit(t); });
  photo.addEventListener("click", function () { picker.click(); });
  picker.addEventListener("change", function () { var f = picker.files && picker.files[0]; picker.value = ""; sendPhoto(f); });
  place.addEventListener("click", sendLocation);
  connect();
  if (state.open || script.getAttribute("data-open") === "true") open(true);
  window.XaSoChat = { open: function () { open(true); }, close: function () { open(false); }, sender: state.sender };
})();
