/*
 * Hài Lòng: keeps the enumerator's pages on the device (with the service worker /sw.js, static/js/sw.js).
 * - Registers the service worker on the pages of users who collect (body[data-offline]).
 * - On the home page, asks it to keep the pages of the cases on the call list (case page, interview page
 *   and their quota cell's page) and the walk-in entry pages, and keeps each case's name and phone in
 *   localStorage "hl-cases" for an interview page opened from its cell's copy (static/js/entry.js).
 * - Logging out (or any page seen while logged out) forgets the kept pages and cases: personal data does
 *   not stay on a shared phone. Responses still waiting are kept, and the user is asked first.
 */
(function () {
  "use strict";

  var PAGE_CACHE = "hl-pages";
  var CASES = "hl-cases";
  var WARM_CASES = 30;
  var body = document.body;

  function forget() {
    try { window.localStorage.removeItem(CASES); } catch (error) { /* storage disabled */ }
    var done = window.caches ? window.caches.delete(PAGE_CACHE) : Promise.resolve();
    return done.catch(function () { return undefined; });
  }

  if (!body.dataset.userId) {
    forget();
    return;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-logout]")) return;
    event.preventDefault();
    var waiting = window.HLQueue ? HLQueue.waiting() : 0;
    if (waiting && !window.confirm(form.dataset.confirm.replace("%(n)s", String(waiting)))) return;
    forget().then(function () { form.submit(); });
  });

  if (!body.dataset.offline || !("serviceWorker" in navigator)) return;

  function remember(items) {
    var cases = {};
    items.forEach(function (item) {
      cases[item.dataset.case] = { name: item.dataset.name || "", phone: item.dataset.phone || "", tel: item.dataset.tel || "" };
    });
    try {
      window.localStorage.setItem(CASES, JSON.stringify(cases));
    } catch (error) { /* storage full: the pages still work, only the name is not shown offline */ }
  }

  function pagesToKeep() {
    var urls = [];
    var add = function (url) { if (url && urls.indexOf(url) === -1) urls.push(url); };
    var due = Array.prototype.slice.call(document.querySelectorAll("#call-list .case-item"));
    var later = Array.prototype.slice.call(document.querySelectorAll("#appointment-list .case-item"));
    var items = due.slice(0, WARM_CASES).concat(later);
    remember(due.concat(later));
    items.forEach(function (item) {
      add(item.dataset.page);
      add(item.dataset.entry);
    });
    due.concat(later).forEach(function (item) { add(item.dataset.cell); });
    document.querySelectorAll("[data-keep-offline]").forEach(function (link) { add(link.getAttribute("href")); });
    return urls;
  }

  navigator.serviceWorker.register(body.dataset.offline, { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    if (!document.getElementById("enumerator-home") || !registration.active) return;
    registration.active.postMessage({ type: "warm", urls: pagesToKeep() });
  }).catch(function () { /* no service worker (private mode, old browser): pages need the network */ });

  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "warmed") body.dataset.offlineReady = "1";
  });
})();
