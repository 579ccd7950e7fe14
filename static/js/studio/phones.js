// Phones paired with classes: while a phone's link lasts, its class is asked for new pictures
// every PHONE_POLL_MS, which appear on the card and are prepared like the page's own. A listing
// that overlapped a deletion is dropped (studioContent's phonePicturesListed), and the next tick
// asks again.
import { expiredPairings, listingOutdated } from '../studioState.js';
import { createPoller } from '../poller.js';

export const PHONE_POLL_MS = 2000;

// prepare(sample): a new picture's embedding; now(): the clock, in ms.
export function createPhones({ store, api, prepare, now = () => Date.now(), pollerOptions }) {
  const poller = createPoller(
    async () => {
      for (const classId of expiredPairings(store.state, now())) unpair(classId);
      for (const { classId } of store.state.pairings) await listPictures(classId);
      return store.state.pairings.length > 0;
    },
    PHONE_POLL_MS,
    pollerOptions,
  );

  async function pair(classId) {
    const pairing = await store.attempt(() => api.startPairing(classId));
    if (!pairing) return;
    store.dispatch('pairingOpened', { classId, url: pairing.url, expiresAt: pairing.expires_at });
    if (store.state.pairings.length) poller.start();
  }

  async function unpair(classId) {
    store.dispatch('pairingClosed', { classId });
    if (!store.state.pairings.length) poller.stop();
    await store.attempt(() => api.endPairing(classId));
  }

  async function listPictures(classId) {
    try {
      for (let after = null; ; ) {
        const deletionsSeen = store.state.deletions;
        const listing = await api.listSamples(after, 500, classId);
        if (listingOutdated(store.state, deletionsSeen)) return;
        const before = store.state.samples;
        store.dispatch('phonePicturesListed', { classId, samples: listing.samples, deletionsSeen });
        for (const sample of store.state.samples.values()) if (!before.has(sample.key)) prepare(sample);
        after = listing.next_cursor;
        if (!after) break;
      }
    } catch {
      // A network hiccup: the next tick asks again.
    }
  }

  return { pair, unpair, stop: poller.stop };
}
