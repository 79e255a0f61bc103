/*
 * Hài Lòng: the service worker of the enumerator's pages, served as /sw.js (scope: the whole site) by
 * surveys.views.service_worker, which puts PRECACHE (the assets every page needs, as the app names them)
 * and OFFLINE_URL before this text.
 *
 * - Pages: the home (the call list), the entry pages and the case pages are fetched from the network
 *   first; a copy of each good answer is kept, and served when the network fails (after NETWORK_WAIT ms
 *   on a weak signal), marked with the header X-Hailong-From-Cache. An entry page never seen for a case
 *   falls back to its quota cell's page (static/js/entry.js takes the case from the address); any other
 *   page falls back to the offline notice.
 * - Assets under /static/: from the cache at once, refreshed in the background.
 * - Messages from the pages: "warm" fetches the listed pages into the cache (static/js/offline.js sends the
 *   cases on the call list); "clear" forgets every page (logging out).
 * Nothing else is touched: submissions go through the browser queue (static/js/queue.js).
 */
/* global PRECACHE, OFFLINE_URL */
"use strict";

var STATIC_CACHE = "hl-static";
var PAGE_CACHE = "hl-pages";
var NETWORK_WAIT = 6000;
// The home, entry pages, case pages and the pages correcting a response sent back (thu-thap/gui-lai/<uuid>/).
var PAGES = [/^\/$/, /^\/thu-thap\/nhap\/\d+\/$/, /^\/dieu-tra\/truong-hop\/\d+\/$/, /^\/thu-thap\/gui-lai\/[0-9a-f-]{36}\/$/];
var ENTRY = /^\/thu-thap\/nhap\/\d+\/$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) {
      return cache.addAll(PRECACHE.concat([OFFLINE_URL]));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function cacheablePage(url) {
  return PAGES.some(function (pattern) { return pattern.test(url.pathname); });
}

function goodAnswer(response) {
  // a redirect (to the login page) or an error is never kept in place of the page
  return response && response.ok && response.status === 200 && !response.redirected && response.type === "basic";
}

function marked(response) {
  var headers = new Headers(response.headers);
  headers.set("X-Hailong-From-Cache", "1");
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function fromNetwork(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, NETWORK_WAIT);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      resolve(response);
    }, function (error) {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function keptCopy(request) {
  var url = new URL(request.url);
  return caches.open(PAGE_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      if (ENTRY.test(url.pathname) && url.search) return cache.match(url.origin + url.pathname);
      return undefined;
    });
  }).then(function (hit) {
    return hit || caches.match(OFFLINE_URL);
  }).then(function (hit) {
    return hit ? marked(hit) : Response.error();
  });
}

function page(request) {
  return fromNetwork(request).then(function (response) {
    if (goodAnswer(response)) {
      var copy = response.clone();
      caches.open(PAGE_CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }, function () {
    return keptCopy(request);
  });
}

function asset(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var refresh = fetch(request).then(function (response) {
        if (goodAnswer(response)) cache.put(request, response.clone());
        return response;
      });
      if (hit) {
        refresh.catch(function () { return undefined; });
        return hit;
      }
      return refresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(request));
  } else if (request.mode === "navigate" && cacheablePage(url)) {
    event.respondWith(page(request));
  }
});

function warm(urls) {
  return caches.open(PAGE_CACHE).then(function (cache) {
    return urls.reduce(function (previous, url) {
      return previous.then(function () {
        return cache.match(url).then(function (hit) {
          if (hit) return undefined;
          return fetch(url, { credentials: "same-origin" }).then(function (response) {
            if (goodAnswer(response)) return cache.put(url, response);
            return undefined;
          }, function () { return undefined; });
        });
      });
    }, Promise.resolve());
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var reply = function (type) {
    if (event.source) event.source.postMessage({ type: type });
  };
  if (data.type === "warm" && Array.isArray(data.urls)) {
    event.waitUntil(warm(data.urls).then(function () { reply("warmed"); }));
  } else if (data.type === "clear") {
    event.waitUntil(caches.delete(PAGE_CACHE).then(function () { reply("cleared"); }));
  }
});
