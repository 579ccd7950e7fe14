// "How it works" on the share page, for the model's owner only: the browser that holds the
// project's owner token (the studio remembers it in this browser, projects.js) sees one of the
// project's pictures go through the shared model, drawn by the studio's own HowItWorks. Someone
// with the link alone never gets here: the link names no project, and a project's pictures are
// read only with its owner token.
import { createApi } from './api.js';
import { HowItWorks } from './components/HowItWorks.js';
import { lessonData } from './components/LearnPanel.js';
import { h } from './dom.js';
import { computeOnPage, createEmbedder } from './embedder.js';
import { rememberedProjects } from './projects.js';
import { t } from './strings.js';
import { deserializeHead } from './head.js';

/** The API, with its owner token, of the project this browser remembers that made the link. */
export async function ownersApi(linkToken) {
  for (const { id, ownerToken } of rememberedProjects()) {
    if (!ownerToken) continue;
    const api = createApi(id, ownerToken);
    const listing = await api.listShares().catch(() => null); // a forgotten project: not it
    if (listing?.shares.some((share) => share.token === linkToken)) return api;
  }
  return null;
}

async function allSamples(api) {
  const samples = [];
  for (let after = null; ; ) {
    const listing = await api.listSamples(after);
    samples.push(...listing.samples);
    after = listing.next_cursor;
    if (!after) return samples;
  }
}

// `shared`: the link's model.json (a head on `backbone`, loaded and warm).
export function ShareLesson(el, { api, shared, backbone }) {
  const status = h('p', { class: 'hint', role: 'status' });
  const body = h('div', { class: 'learn-inside' });
  const details = h('details', { class: 'share-learn learn-panel' },
    h('summary', {}, h('h2', {}, t('learnTab.inside'))),
    h('p', { class: 'hint' }, t('shareLearnOwnerOnly')), status, body);
  el.append(details);
  const inside = HowItWorks(body, { loadPicture: (url) => api.downloadBlob(url) });
  let loading = null;

  // The project's pictures and their embeddings (the server's copies; any missing computed here).
  async function load() {
    status.textContent = t('shareLearnLoading');
    const [project, samples] = await Promise.all([api.getProject(), allSamples(api)]);
    const dim = backbone.metadata.embedding_size;
    const embedder = createEmbedder({ backboneId: backbone.metadata.id, dim, compute: computeOnPage(backbone), api, canWrite: true });
    embedder.prefetch();
    const labelled = samples.filter((s) => s.class_id !== null);
    const pairs = await Promise.all(labelled.map((s) => embedder.request({ id: s.id, sha256: s.sha256, image_url: s.image_url })));
    const classes = [...project.classes].sort((a, b) => a.position - b.position);
    const rows = labelled.map((s, i) => ({ id: s.id, classId: s.class_id, url: s.image_url, embedding: pairs[i].subarray(0, dim) }));
    // The shared model's own head, which names its classes as the link shows them.
    const trained = { head: deserializeHead(shared.head), labels: shared.labels.map((name) => ({ name })) };
    status.textContent = '';
    inside.update({ classes, samples: rows, trained, backbone, canWrite: false, lesson: lessonData({ classes, samples: rows, trained }) });
  }

  details.addEventListener('toggle', () => {
    if (!details.open || loading) return;
    loading = load().catch((error) => {
      loading = null;
      status.textContent = t('error', { reason: error.message });
    });
  });
}
