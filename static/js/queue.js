/*
 * Hài Lòng: the browser queue of finished responses (localStorage "hl-queue").
 * A response leaves the queue only when the server has answered for it: 200/201 stored, or a
 * definite refusal (409 conflict, 422 invalid, 403/404 not allowed) that moves it to "hl-rejected"
 * with the server's Vietnamese message. A network failure or a 5xx keeps it for the next try,
 * which comes when the browser is back online, every 15 seconds, or on the "Gửi ngay" button.
 * Resending is safe: the server knows each response by its client UUID. A resubmission of a response sent back
 * for correction (its body names the response it `revises`, under a new UUID) waits and is sent the same way;
 * the server keeps its UUID with the version it replaced, so a resend is saved once. The queue lives in localStorage,
 * so it survives a reload, a page served from the offline copy and a restart of the browser.
 */
(function (global) {
  "use strict";

  var QUEUE = "hl-queue";
  var REJECTED = "hl-rejected";
  var listeners = [];
  var flushing = false;
  // Each response waits with the user who entered it and is sent only in that user's session (a shared
  // phone: the next user must not send it as theirs).
  var currentUser = (document.body && document.body.dataset.userId) || "";

  function read(key) {
    try {
      var value = JSON.parse(global.localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (error) {
      return [];
    }
  }

  function write(key, items) {
    global.localStorage.setItem(key, JSON.stringify(items));
  }

  function csrfToken() {
    // The cookie first: logging in again (in another tab) replaces it, and the page's copy goes stale.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Cases whose interview this device has taken ({id, at}): their entry page stays closed while the
  // interview waits in the queue, and on any copy of the page served before it was taken (the offline
  // cache). A page served later knows better: the server shows the form again only for a case reopened
  // by a supervisor.
  var TAKEN = "hl-cases-taken";

  function caseTaken(caseId, servedAt) {
    var id = String(caseId);
    if (read(QUEUE).some(function (item) { return String(item.body.assignment) === id; })) return true;
    return read(TAKEN).some(function (entry) { return entry.id === id && entry.at > (servedAt || 0); });
  }

  function mine(item) {
    return !item.user || item.user === currentUser;
  }

  function waitingMine() {
    return read(QUEUE).filter(mine);
  }

  function add(item) {
    if (item.body.assignment !== null && item.body.assignment !== undefined && item.body.status !== "draft") {
      write(TAKEN, read(TAKEN).concat([{ id: String(item.body.assignment), at: Date.now() }]).slice(-500));
    }
    var items = read(QUEUE);
    if (!items.some(function (other) { return other.body.uuid === item.body.uuid; })) {
      items.push({ url: item.url, body: item.body, attempts: 0, queued_at: new Date().toISOString(), user: currentUser });
      write(QUEUE, items);
    }
    update();
  }

  function remove(uuid) {
    write(QUEUE, read(QUEUE).filter(function (item) { return item.body.uuid !== uuid; }));
  }

  function countAttempt(uuid) {
    var items = read(QUEUE);
    items.forEach(function (item) { if (item.body.uuid === uuid) item.attempts = (item.attempts || 0) + 1; });
    write(QUEUE, items);
  }

  function reject(item, status, data) {
    var rejected = read(REJECTED);
    var errors = data && data.errors ? data.errors : {};
    rejected.push({ uuid: item.body.uuid, status: status, detail: (data && data.detail) || String(status), errors: errors, body: item.body });
    write(REJECTED, rejected.slice(-50));
  }

  function notify(event, item, status, data) {
    listeners.forEach(function (listener) { listener(event, item, status, data); });
  }

  async function sendOne(item) {
    var response;
    try {
      response = await fetch(item.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": csrfToken(),
          "X-Hailong-Client": "web",
          "X-Hailong-Queued": item.attempts > 0 || item.waited ? "1" : "0",
        },
        body: JSON.stringify(item.body),
      });
    } catch (error) {
      return "offline";
    }
    var data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (response.status === 200 || response.status === 201) {
      remove(item.body.uuid);
      notify("sent", item, response.status, data);
      return "sent";
    }
    // No JSON (a login page), a rate limit, a 401, a refused CSRF token or a server error: keep it and try later.
    if (data === null || response.status >= 500 || response.status === 429 || response.status === 401 || (data && data.code === "csrf")) {
      return "retry";
    }
    remove(item.body.uuid);
    reject(item, response.status, data);
    notify("rejected", item, response.status, data);
    return "rejected";
  }

  async function flush() {
    if (flushing) return;
    // No network at all (the phone says so): keep everything for the "online" event, spare the battery;
    // what waits is sent later as queued (the server records it as sent from the offline queue).
    if (navigator.onLine === false) {
      write(QUEUE, read(QUEUE).map(function (item) { return mine(item) ? Object.assign(item, { waited: true }) : item; }));
      update();
      return;
    }
    flushing = true;
    try {
      var items = waitingMine();
      for (var i = 0; i < items.length; i += 1) {
        var outcome = await sendOne(items[i]);
        if (outcome === "offline" || outcome === "retry") {
          countAttempt(items[i].body.uuid);
          break;
        }
      }
    } finally {
      flushing = false;
      update();
    }
  }

  function update() {
    var waiting = waitingMine().length;
    var rejected = read(REJECTED);
    document.querySelectorAll("[data-queue-count]").forEach(function (el) { el.textContent = String(waiting); });
    var status = document.getElementById("queue-status");
    if (status) status.classList.toggle("d-none", waiting === 0);
    document.querySelectorAll("[data-queue-badge]").forEach(function (el) { el.hidden = waiting === 0; });
    document.querySelectorAll("[data-queue-offline]").forEach(function (el) { el.hidden = navigator.onLine; });
    var panel = document.getElementById("queue-rejected");
    if (panel) {
      panel.classList.toggle("d-none", rejected.length === 0);
      var count = panel.querySelector("[data-queue-rejected-count]");
      if (count) count.textContent = String(rejected.length);
      var detail = panel.querySelector("[data-queue-rejected-detail]");
      if (detail && rejected.length) detail.textContent = rejected[rejected.length - 1].detail;
    }
  }

  global.addEventListener("online", flush);
  global.addEventListener("offline", update);
  global.setInterval(function () { if (waitingMine().length) flush(); }, 15000);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-queue-retry]")) flush();
  });
  document.addEventListener("DOMContentLoaded", function () { update(); flush(); });

  global.HLQueue = {
    add: add,
    flush: flush,
    waiting: function () { return waitingMine().length; },
    caseTaken: caseTaken,
    onResult: function (listener) { listeners.push(listener); },
  };
})(window);
