// "Use in Scratch" beside a saved version: opens the block editor (/blocks/) in a new tab with
// that version's Teachable Machine link (/s/<token>/tm/) loaded, and the project's pictures
// offered as costumes to this browser (which holds the project's credential).
// The editor loads a model from a link, so a version needs an active share link that shows it:
// one the student made is used; without one, a link pinned to the version is made (the student
// sees it in the share links, and can revoke it). A classroom link that waits for the teacher's
// approval is said so, and nothing opens.
import { blocksEditorUrl, shareTeachableMachineLink } from '../tmModel.js';

/**
 * The share link "Use in Scratch" uses for a version: {link} an active one showing it, else
 * {pending} one that will show it once the teacher approves, else {} (none).
 */
export function scratchLinkFor(version, shares) {
  const willShow = (l) => l.model?.id === version.id || (l.follows_published && version.published);
  const link = shares.find((l) => l.state === 'active' && l.shows?.id === version.id);
  if (link) return { link };
  const pending = shares.find((l) => l.state === 'pending' && willShow(l));
  return pending ? { pending } : {};
}

// saving: studio/saving.js (share, which refreshes the versions and links); open(url) opens a
// tab and answers whether it could (false when the browser blocked it); origin: the page's.
export function createUseInScratch({ store, saving, open, origin }) {
  const notice = (key, params = {}) => store.dispatch('noticeShown', { key, params });

  return async function useInScratch(versionId) {
    const version = store.state.versions.find((v) => v.id === versionId);
    if (!version) return;
    let found = scratchLinkFor(version, store.state.shares);
    const made = !found.link && !found.pending;
    if (made) {
      await saving.share(version.id, false); // a failure is shown by the store's notice
      found = scratchLinkFor(version, store.state.shares);
    }
    if (found.pending) return notice('scratch.pending', { number: version.number });
    if (!found.link) return;
    const share = new URL(found.link.url, origin).href;
    const url = blocksEditorUrl(shareTeachableMachineLink(share), { project: store.state.project?.id });
    if (!open(url)) notice('scratch.blocked', { url: new URL(url, origin).href });
    else if (made) notice('scratch.linkMade', { number: version.number });
  };
}
