// SạpQR service worker: keeps the sign-up page and its files on the phone,
// so a page reloaded at a market with no signal still opens and its queued
// registrations (in IndexedDB) still send when the network returns.
// Served as /ui/sw.js with the build's version filled in below.
'use strict';

const VERSION = '__VERSION__';
const CACHE = 'sapqr-' + VERSION;
const SHELL = '/ui/signup';
const FILES = ['app.css', 'app.js', 'signup.js'].map((f) => '/static/' + f + '?v=' + VERSION);

self.addEventListener('install', (ev) => {
  // The page itself is kept too when the user is logged in; a failure
  // (no session yet) leaves it to the first visit.
  ev.waitUntil(caches.open(CACHE)
    .then((c) => c.addAll(FILES).then(() => fetch(SHELL, { credentials: 'same-origin' })
      .then((res) => (res.ok && !res.redirected ? c.put(SHELL, res) : undefined))
      .catch(() => undefined)))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (url.pathname.startsWith('/static/') && url.searchParams.get('v') === VERSION) {
    // Versioned files never change: the cache first.
    ev.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
    return;
  }
  if (req.mode === 'navigate' && url.pathname === SHELL) {
    // The page: the network first (fresh session and token), the copy when
    // there is no network. A redirect (to the login page) is not kept.
    ev.respondWith(fetch(req).then((res) => {
      if (res.ok && !res.redirected) {
        const copy = res.clone();
        caches.open(CACHE).then((c) => c.put(SHELL, copy));
      }
      return res;
    }).catch(() => caches.match(SHELL).then((hit) => hit || Response.error())));
  }
});
