// The project's content in the studio's state: its classes and pictures, from the server's list
// to uploads, embeddings, recording and paired phones. Pure actions, `(state, detail) -> new
// state` (studioState.js assembles them; tests/studioState.test.mjs, tests/studioUi.test.mjs).
import { orderClasses } from './dataset.js';
import { classById } from './studioReaders.js';

const withSamples = (state, samples) => ({ ...state, samples });

function mapSamples(state, change) {
  const samples = new Map();
  for (const [key, sample] of state.samples) samples.set(key, change(sample) ?? sample);
  return withSamples(state, samples);
}

const sortClasses = orderClasses;

function fromServer(sample, existing) {
  return {
    ...existing,
    key: existing?.key ?? sample.id,
    id: sample.id,
    classId: sample.class_id,
    sha256: sample.sha256,
    imageUrl: sample.image_url,
    status: 'saved',
    error: undefined,
    embedded: existing?.embedded ?? false,
    selected: existing?.selected ?? false,
  };
}

export const contentActions = {
  projectLoaded(state, { project }) {
    // inClassroom: a classroom student's project, whose quiz score is kept for the teacher.
    // backboneId: the image model its pictures are prepared with, and its heads trained on.
    return { ...state, project: { id: project.id, title: project.title, inClassroom: Boolean(project.classroom), backboneId: project.backbone_id ?? null }, classes: sortClasses(project.classes) };
  },

  // A page of the server's sample list (of `total`; `more` when another page follows): drawn
  // as it comes. Samples already here (uploaded meanwhile) keep their key and flags.
  samplesListed(state, { samples, total = null, more = false }) {
    const next = new Map(state.samples);
    const byId = new Map([...next.values()].filter((s) => s.id).map((s) => [s.id, s.key]));
    for (const sample of samples) {
      const key = byId.get(sample.id) ?? sample.id;
      next.set(key, fromServer(sample, next.get(key)));
    }
    const listing = { loaded: state.listing.loaded + samples.length, total, done: !more };
    return { ...withSamples(state, next), listing };
  },

  projectRenamed(state, { title }) {
    return { ...state, project: { ...state.project, title } };
  },

  classAdded(state, { cls }) {
    if (state.classes.some((c) => c.id === cls.id)) return state;
    return { ...state, classes: sortClasses([...state.classes, cls]) };
  },

  classRenamed(state, { classId, name }) {
    return { ...state, classes: state.classes.map((c) => (c.id === classId ? { ...c, name } : c)) };
  },

  // Moves a class `by` places, clamped to the list; positions stay 0..n-1, as the server keeps them.
  classMoved(state, { classId, by }) {
    const order = state.classes.filter((c) => c.id !== classId);
    const from = state.classes.findIndex((c) => c.id === classId);
    if (from < 0) return state;
    const to = Math.max(0, Math.min(order.length, from + by));
    order.splice(to, 0, state.classes[from]);
    return { ...state, classes: order.map((c, position) => ({ ...c, position })) };
  },

  // The server's word on the classes (after a move or an undo): it wins over local guesses.
  classesLoaded(state, { classes }) {
    return { ...state, classes: sortClasses(classes) };
  },

  // Its pictures become unlabelled; the class and which pictures were its are kept for undo.
  classDeleted(state, { classId }) {
    const cls = state.classes.find((c) => c.id === classId);
    if (!cls) return state;
    const sampleIds = [...state.samples.values()].filter((s) => s.classId === classId).map((s) => s.id).filter(Boolean);
    const next = mapSamples(state, (s) => (s.classId === classId ? { ...s, classId: null } : null));
    const classes = state.classes.filter((c) => c.id !== classId).map((c, position) => ({ ...c, position }));
    return {
      ...next,
      classes,
      deleted: { cls, sampleIds },
      recordingClassId: state.recordingClassId === classId ? null : state.recordingClassId,
      pairings: state.pairings.filter((p) => p.classId !== classId),
    };
  },

  // Undo: the server made `cls` anew (new id); it goes back to the deleted class's place, and
  // the deleted class's pictures go back into it unless they were given another class meanwhile.
  classRestored(state, { cls }) {
    if (!state.deleted) return state;
    const ids = new Set(state.deleted.sampleIds);
    const next = mapSamples(state, (s) => (ids.has(s.id) && s.classId === null ? { ...s, classId: cls.id } : null));
    const classes = state.classes.filter((c) => c.id !== cls.id);
    classes.splice(Math.min(state.deleted.cls.position, classes.length), 0, cls);
    return { ...next, deleted: null, classes: classes.map((c, position) => ({ ...c, position })) };
  },

  samplesMoved(state, { ids, classId }) {
    const moved = new Set(ids);
    return mapSamples(state, (s) => (moved.has(s.id) ? { ...s, classId, selected: false } : null));
  },

  // The deletion is over (see deletionStarted): the pictures the server deleted go.
  samplesDeleted(state, { ids }) {
    const gone = new Set(ids);
    return { ...withSamples(state, new Map([...state.samples].filter(([, s]) => !gone.has(s.id)))), deletions: state.deletions + 1 };
  },

  // A click on a thumbnail: selects a saved picture, dismisses a refused one.
  sampleToggled(state, { key }) {
    const sample = state.samples.get(key);
    if (!sample) return state;
    const next = new Map(state.samples);
    if (sample.status === 'rejected') next.delete(key);
    else if (sample.id) next.set(key, { ...sample, selected: !sample.selected });
    return withSamples(state, next);
  },

  selectionSet(state, { ids }) {
    const wanted = new Set(ids);
    return mapSamples(state, (s) => (s.selected !== wanted.has(s.id) ? { ...s, selected: wanted.has(s.id) } : null));
  },

  // A picture taken or dropped here, before the server has it.
  sampleCaptured(state, { key, classId, url }) {
    const next = new Map(state.samples);
    next.set(key, { key, id: null, classId, sha256: null, url, imageUrl: null, status: 'pending', embedded: false, selected: false });
    return withSamples(state, next);
  },

  // The page named the picture by its SHA-256 (as the server names its copy): it can be
  // prepared, and trained on, before the server has it.
  sampleDigested(state, { key, sha256 }) {
    const local = state.samples.get(key);
    if (local?.status !== 'pending') return state;
    return withSamples(state, new Map(state.samples).set(key, { ...local, sha256 }));
  },

  // The server stored it. The class is the server's answer (the upload may have gone to
  // unlabelled when its class was deleted meanwhile). A picture the project already had is
  // the same sample: the local copy goes. If a paired class's listing brought it first, it
  // was taken for the phone's: it is this page's own, and the phone's count gives it back.
  uploadAccepted(state, { key, sample }) {
    const local = state.samples.get(key);
    if (!local) return state;
    const next = new Map(state.samples);
    const twin = [...next.values()].find((s) => s.id === sample.id && s.key !== key);
    if (!twin) {
      // Prepared here under the page's name of the picture: still prepared if the server's is
      // the same, else prepared again under the server's.
      const embedded = local.embedded && local.sha256 === sample.sha256;
      next.set(key, { ...fromServer(sample, local), embedded, url: embedded ? null : local.url });
      return withSamples(state, next);
    }
    next.delete(key);
    if (!twin.fromPhone) return withSamples(state, next);
    next.set(twin.key, { ...twin, fromPhone: false });
    const pairings = state.pairings.map((p) => (p.classId === twin.classId && p.received > 0 ? { ...p, received: p.received - 1 } : p));
    return { ...withSamples(state, next), pairings };
  },

  uploadRefused(state, { key, error }) {
    const local = state.samples.get(key);
    if (!local) return state;
    return withSamples(state, new Map(state.samples).set(key, { ...local, status: 'rejected', error }));
  },

  // The uploader's queue: how many pictures wait, and whether the last try failed (retrying).
  uploadsChanged(state, { pending, failing }) {
    return { ...state, uploads: { ...state.uploads, pending, failing } };
  },

  // Embeddings ready for these pictures. A saved picture that is prepared needs its local copy
  // no more: the thumbnail shows the server's, and the object URL can be revoked.
  embeddingsArrived(state, { sha256s }) {
    const ready = new Set(sha256s);
    return mapSamples(state, (s) =>
      ready.has(s.sha256) && (!s.embedded || (s.url && s.status === 'saved'))
        ? { ...s, embedded: true, url: s.status === 'saved' ? null : s.url }
        : null,
    );
  },

  embeddingProgress(state, { done, total, computed }) {
    return { ...state, embedding: { done, total, computed } };
  },

  recordingStarted(state, { classId }) {
    return state.canWrite && state.classes.some((c) => c.id === classId) ? { ...state, recordingClassId: classId } : state;
  },

  recordingStopped(state) {
    return { ...state, recordingClassId: null };
  },

  // A phone paired with a class from here; a class has one pairing at a time.
  pairingOpened(state, { classId, url, expiresAt }) {
    if (!state.canWrite || !classById(state, classId)) return state;
    const others = state.pairings.filter((p) => p.classId !== classId);
    return { ...state, pairings: [...others, { classId, url, expiresAt, received: 0 }] };
  },

  pairingClosed(state, { classId }) {
    if (!state.pairings.some((p) => p.classId === classId)) return state;
    return { ...state, pairings: state.pairings.filter((p) => p.classId !== classId) };
  },

  // The server's pictures of a paired class: those this page has never had came from the phone
  // (the page's own uploads are known by key before the server answers). Nothing new, no change.
  // `deletionsSeen`: state.deletions when the listing was asked for; a deletion since makes it
  // outdated, and it is dropped (the next tick asks again).
  phonePicturesListed(state, { classId, samples, deletionsSeen = state.deletions }) {
    if (deletionsSeen !== state.deletions) return state;
    const known = new Set([...state.samples.values()].map((s) => s.id));
    const fresh = samples.filter((s) => !known.has(s.id));
    if (!fresh.length) return state;
    const next = new Map(state.samples);
    for (const sample of fresh) next.set(sample.id, { ...fromServer(sample), fromPhone: true });
    const pairings = state.pairings.map((p) => (p.classId === classId ? { ...p, received: p.received + fresh.length } : p));
    return { ...withSamples(state, next), pairings };
  },

  // Pictures being made (files shrunk, frames encoded) before they join the upload queue: they
  // count as pending uploads too (pendingUploads), so nobody (a test, a student closing the
  // tab, a backbone switch) takes "nothing pending" too early.
  preparingChanged(state, { by }) {
    return { ...state, uploads: { ...state.uploads, preparing: Math.max(0, state.uploads.preparing + by) } };
  },

  // Pictures about to be deleted. A listing asked for before a deletion began or ended may still
  // hold the deleted pictures: deletions counts both moments, and phonePicturesListed drops a
  // listing that saw another count (see listingOutdated).
  deletionStarted(state) {
    return { ...state, deletions: state.deletions + 1 };
  },
};
