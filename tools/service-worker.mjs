// Generates the pages' service worker with Workbox (`generateSW`): run by `make install` as
//   python -m server.precache | node tools/service-worker.mjs build/service-worker
// Its standard input is the precache groups (server/precache.py: each folder, the URL it
// is served at and its files); the output folder gets sw.js, a build output, never committed.
// Everything the worker does is this configuration; see README.md, "When the network drops".
import { readFileSync } from 'node:fs';
import { generateSW, getManifest } from 'workbox-build';

const MiB = 1024 * 1024;
const LARGEST = 16 * MiB; // a backbone's weight shard is 4 MiB; Workbox's default skips 2 MiB+

const [outDir] = process.argv.slice(2);
if (!outDir) throw new Error('usage: node tools/service-worker.mjs OUT_DIR < groups.json');
const groups = JSON.parse(readFileSync(0, 'utf8'));

// Every group's files, each with the hash of its content as its revision: a new version of any
// file makes a new sw.js, which browsers install in the background and which replaces the old
// copies.
const entries = [];
let bytes = 0;
for (const { directory, url_prefix: prefix, patterns, ignore } of groups) {
  const { manifestEntries, size, warnings } = await getManifest({
    globDirectory: directory,
    globPatterns: patterns,
    globIgnores: ignore,
    maximumFileSizeToCacheInBytes: LARGEST,
    modifyURLPrefix: { '': prefix },
  });
  for (const warning of warnings) console.warn(warning);
  entries.push(...manifestEntries);
  bytes += size;
}

// Each route's test is written out in full (Workbox copies its source into sw.js):
// - a page of the app (home, the studio, the classroom pages) and the manifest: pages hold no data (the API gives
//   it to them with the page's credential); a page seen online loads again offline;
// - a share link's page and its model's files: the token in the URL is its own credential, so a
//   copy serves that link alone; gone links (404, 410) are cached too, so the answer that says so
//   replaces a copy that must no longer work;
// - the list of backbones: public, and a studio needs it before it loads its network.
// Nothing else of the API: its answers need a credential, and a cache keyed by URL would give
// them to any other credential too. Pictures shown offline come from the device's IndexedDB.
const pages = ({ url, sameOrigin }) => sameOrigin && /^\/(p\/[^/]+|student|join|phone|manifest\.webmanifest)?$/.test(url.pathname);
const shares = ({ url, sameOrigin }) => sameOrigin && /^\/s\/[^/]+(\/model\.json|\/tfjs\/.+)?$/.test(url.pathname);
const backbones = ({ url, sameOrigin }) => sameOrigin && url.pathname === '/api/backbones';
const networkFirst = (cacheName, statuses, expiration) => ({ cacheName, networkTimeoutSeconds: 10, cacheableResponse: { statuses }, expiration });
// A share link's copy lasts a month from its last visit online, for a few dozen links.
const SHARES_KEPT = { maxEntries: 200, maxAgeSeconds: 30 * 24 * 3600 };

const { warnings } = await generateSW({
  swDest: `${outDir}/sw.js`,
  globDirectory: outDir,
  globPatterns: [],
  additionalManifestEntries: entries,
  maximumFileSizeToCacheInBytes: LARGEST,
  inlineWorkboxRuntime: true,
  mode: 'production',
  sourcemap: false,
  cacheId: 'snapclass',
  skipWaiting: true,
  clientsClaim: true,
  cleanupOutdatedCaches: true,
  runtimeCaching: [
    { urlPattern: pages, handler: 'NetworkFirst', options: networkFirst('snapclass-pages', [200]) },
    { urlPattern: shares, handler: 'NetworkFirst', options: networkFirst('snapclass-shares', [200, 404, 410], SHARES_KEPT) },
    { urlPattern: backbones, handler: 'NetworkFirst', options: networkFirst('snapclass-backbones', [200]) },
  ],
});
for (const warning of warnings) console.warn(warning);
console.log(`${outDir}/sw.js: ${entries.length} files precached, ${(bytes / MiB).toFixed(1)} MiB`);
