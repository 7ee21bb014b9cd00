// Clickar service worker, asset version {{ version }}. Hand-written, small.
// - Static files under hashed names (/static/name.<8 hex>.ext): cache-first; they never change.
// - Page loads (navigations): network only, and the offline page when the network fails.
// - Nothing else is ever stored: no page but /offline (so no personal page, no CSRF
//   token), no form post, no htmx answer, no JSON or API answer, nothing under /staff/.
// - "clear-caches" (sent by app.js after logout) empties every cache; "skip-waiting"
//   (the user pressed 再読み込み on the 新しいバージョンがあります toast) activates a waiting worker.
"use strict";
const VERSION = "{{ version }}";
const CACHE = "clickar-static-" + VERSION;
const OFFLINE_URL = "/offline";
const PRECACHE = [OFFLINE_URL].concat({{ precache|tojson }});
const HASHED = /^\/static\/.+\.[0-9a-f]{8}\.[A-Za-z0-9]+$/;
const pending = new Set();  // cache writes in flight, so a clear waits for them

function track(promise) {
  pending.add(promise);
  return promise.finally(() => pending.delete(promise));
}

function precache() {
  return caches.open(CACHE).then((cache) => cache.addAll(PRECACHE));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") {
    self.skipWaiting();
  } else if (event.data === "clear-caches") {
    event.waitUntil(
      Promise.allSettled([...pending])
        .then(() => caches.keys())
        .then((keys) => Promise.all(keys.map((key) => caches.delete(key))))
        .then(() => event.source && event.source.postMessage("caches-cleared"))
    );
  }
});

function fromCacheFirst(request) {
  return caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request).then((response) => {
    if (response.ok && response.type === "basic") {
      // Only into a cache that exists: after a logout's clear nothing comes back until
      // an ordinary page load precaches again.
      const copy = response.clone();
      track(caches.has(CACHE).then((has) => has && caches.open(CACHE).then((cache) => cache.put(request, copy))));
    }
    return response;
  }));
}

function offlinePage() {
  return caches.match(OFFLINE_URL, { ignoreVary: true }).then((hit) => hit || new Response(
    "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>オフラインです</title><h1>オフラインです</h1><p>インターネットに接続されていないため、ページを表示できません。</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  ));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (HASHED.test(url.pathname)) {
    event.respondWith(fromCacheFirst(request));
    return;
  }
  if (request.mode === "navigate") {
    // After a logout the caches were emptied; the next ordinary page load fills the
    // offline page and its files in again (public files only, never the page itself).
    if (!url.searchParams.has("logged_out")) {
      event.waitUntil(caches.match(OFFLINE_URL).then((hit) => hit || track(precache())).catch(() => {}));
    }
    event.respondWith(fetch(request).catch(offlinePage));
  }
  // Everything else (htmx requests, JSON, /staff/, unhashed files) goes to the network untouched.
});
