// The pages' offline copy: registers the service worker that `make install` generates with
// Workbox (server/service_worker.py serves it at /sw.js and names it in <html
// data-service-worker>), only where the browser trusts the origin (a secure context: localhost,
// or a certificate the device trusts; Chromium refuses a worker on a page whose certificate it
// does not trust, and there pictures still wait on the device, devicePictures.js).
//
// A page's first visit is not yet answered by the worker: once the worker controls the page,
// keepForOffline fetches the page again, and the files the page loaded before (a share link's
// model), through the worker, whose routes keep what they keep (tools/service-worker.mjs).
const script = document.documentElement.dataset.serviceWorker;
const supported = Boolean(script) && window.isSecureContext && 'serviceWorker' in navigator;
const firstVisit = supported && !navigator.serviceWorker.controller;

const controlled = firstVisit
  ? new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
  : Promise.resolve();

if (supported) {
  // updateViaCache 'none': the browser asks the server for sw.js itself on every check, so a
  // new version of the pages is found at the next visit.
  navigator.serviceWorker.register(script, { updateViaCache: 'none' }).catch((error) => console.info(`The pages have no offline copy here: ${error.message}`));
}

// Fetches this page, the manifest and `urls` through the worker once it controls the page, on
// the page's first visit only (later visits already go through it). Resolves when done (at once
// where no worker runs).
const kept = new Set();
export function keepForOffline(urls = []) {
  if (!firstVisit) return Promise.resolve();
  const fresh = [location.pathname + location.search, '/manifest.webmanifest', ...urls].filter((url) => !kept.has(url));
  for (const url of fresh) kept.add(url);
  return controlled.then(() => Promise.all(fresh.map((url) => fetch(url).catch(() => null))));
}

// Asks the server for `urls` again through the worker where one controls the page, so its copies
// follow the answers (a link gone since: 404 or 410 replaces the copy of its model).
export function refreshOfflineCopy(urls) {
  if (supported && navigator.serviceWorker.controller) for (const url of urls) fetch(url).catch(() => null);
}

keepForOffline();
