// The studio's state and every rule that changes it, with no DOM, no network and no TF.js:
// an action takes the state and a detail and returns a new state (the old one is never changed),
// so each rule has a Node test (tests/studioState.test.mjs). studio.js does the I/O around them:
//   state = actions[name](state, detail); render(state);
//
// A class is {id, name, position}; `classes` stays sorted by position, which is the label order.
// A sample is {key, id, classId, sha256, url, imageUrl, status, error, embedded, selected}:
// - key: the server id, or `local-N` for a picture taken or dropped here before the server has it
//   (the key never changes, so its thumbnail is not redrawn when the upload lands);
// - url: an object URL of the local picture while it is still needed (until it is saved and
//   prepared); imageUrl: the server's copy;
// - status: 'pending' (upload queued or in flight), 'saved', or 'rejected' (with `error`);
// - embedded: its embedding is in the embedder's cache, so it can be trained on;
// - fromPhone: it arrived from a paired phone while this page watched the class.
// `canWrite`: the page may change the project (owner or student); `canModerate`: it may delete
// pictures (they, or the classroom's teacher, whose studio is otherwise read-only).
// `pairings`: [{classId, url, expiresAt, received}], the phones paired with classes from here.
// The trained head lives here too (`trained`), with the training run's history and results.
import { compareLabels, displayNames, orderClasses } from './dataset.js';

export function initialState({ canWrite = false, canModerate = canWrite } = {}) {
  return {
    project: null,
    canWrite,
    canModerate,
    classes: [],
    samples: new Map(),
    recordingClassId: null,
    backend: null,
    modelReady: false,
    listing: { loaded: 0, total: null, done: false }, // the server's list of pictures, paged in
    embedding: { done: 0, total: 0, computed: 0 },
    uploads: { pending: 0, failing: false },
    deleted: null, // {cls, sampleIds}: the last deleted class, until undone or replaced
    training: null, // {settings, history} while a head trains
    trained: null, // {head, labels: [{id, name}], metrics, settings, history, versionId?}
    versions: [],
    shares: [],
    savedVersionId: null,
    job: null,
    serverModel: null, // {model} while the preview uses a fine-tuned server model
    pairings: [],
    backboneChoices: [], // [{kind, id, architecture, megabytes}]: see backboneChoices()
    switchingTo: null, // the backbone id being saved as the project's; the page reloads next
  };
}

const withSamples = (state, samples) => ({ ...state, samples });

function mapSamples(state, change) {
  const samples = new Map();
  for (const [key, sample] of state.samples) samples.set(key, change(sample) ?? sample);
  return withSamples(state, samples);
}

function sortClasses(classes) {
  return orderClasses(classes);
}

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

export const actions = {
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

  samplesDeleted(state, { ids }) {
    const gone = new Set(ids);
    return withSamples(state, new Map([...state.samples].filter(([, s]) => !gone.has(s.id))));
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
      next.set(key, { ...fromServer(sample, local), url: local.embedded ? null : local.url });
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
    return { ...state, uploads: { pending, failing } };
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

  modelLoaded(state, { backend }) {
    return { ...state, backend, modelReady: true };
  },

  recordingStarted(state, { classId }) {
    return state.canWrite && state.classes.some((c) => c.id === classId) ? { ...state, recordingClassId: classId } : state;
  },

  recordingStopped(state) {
    return { ...state, recordingClassId: null };
  },

  // Settings are read once, when training starts; the trained head records those.
  trainingStarted(state, { settings }) {
    return { ...state, training: { settings, history: [] } };
  },

  trainingEpoch(state, { logs }) {
    if (!state.training) return state;
    return { ...state, training: { ...state.training, history: [...state.training.history, logs] } };
  },

  // `validation` is {labels, predicted, ids} of the held-out pictures, for the confusion matrix.
  trained(state, { head, labels, metrics, validation = null }) {
    if (!state.training) return state;
    const { settings, history } = state.training;
    return { ...state, training: null, trained: { head, labels, metrics, settings, history, validation }, serverModel: null };
  },

  trainingEnded(state) {
    return { ...state, training: null };
  },

  // A saved browser-tier version loaded back (a reopened project): it previews until retrained.
  savedModelLoaded(state, { version, head }) {
    if (state.trained) return state;
    const labels = version.labels.map((l) => ({ id: l.class_id, name: l.name }));
    return { ...state, trained: { head, labels, metrics: version.metrics, settings: version.settings, history: [], validation: null, versionId: version.id } };
  },

  backbonesListed(state, { backbones }) {
    return { ...state, backboneChoices: backboneChoices(backbones) };
  },

  backboneSwitchStarted(state, { backboneId }) {
    return { ...state, switchingTo: backboneId };
  },

  backboneSwitchFailed(state) {
    return { ...state, switchingTo: null };
  },

  versionsLoaded(state, { versions, shares = state.shares }) {
    return { ...state, versions, shares };
  },

  versionSaved(state, { version }) {
    const trained = state.trained && { ...state.trained, versionId: version.id };
    return { ...state, trained, savedVersionId: version.id, versions: [version, ...state.versions.filter((v) => v.id !== version.id)] };
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
  phonePicturesListed(state, { classId, samples }) {
    const known = new Set([...state.samples.values()].map((s) => s.id));
    const fresh = samples.filter((s) => !known.has(s.id));
    if (!fresh.length) return state;
    const next = new Map(state.samples);
    for (const sample of fresh) next.set(sample.id, { ...fromServer(sample), fromPhone: true });
    const pairings = state.pairings.map((p) => (p.classId === classId ? { ...p, received: p.received + fresh.length } : p));
    return { ...withSamples(state, next), pairings };
  },

  jobUpdated(state, { job }) {
    return { ...state, job };
  },

  // The preview uses the fine-tuned model of the finished job (model), or the quick one (null).
  serverModelChosen(state, { model }) {
    return { ...state, serverModel: model ? { model } : null };
  },
};

// Reading the state.

export function samplesOf(state, classId) {
  return [...state.samples.values()].filter((s) => s.classId === classId);
}

export function selectedSamples(state) {
  return [...state.samples.values()].filter((s) => s.selected);
}

export function classById(state, classId) {
  return state.classes.find((c) => c.id === classId);
}

export function pairingOf(state, classId) {
  return state.pairings.find((p) => p.classId === classId) ?? null;
}

// The classes whose phone link has run out by `now` (ms): the studio ends them.
export function expiredPairings(state, now) {
  return state.pairings.filter((p) => Date.parse(p.expiresAt) <= now).map((p) => p.classId);
}

// What a thumbnail shows: the local picture while there is one, else the server's.
export const thumbnailUrl = (sample) => sample.url ?? sample.imageUrl;

// The ids to move when a picture is dragged: the whole selection if it is part of it.
export function draggedIds(state, key) {
  const dragged = state.samples.get(key);
  if (!dragged?.id) return [];
  return dragged.selected ? selectedSamples(state).map((s) => s.id) : [dragged.id];
}

// The first "Class n" name not taken, counting from the number of classes plus one.
export function nextClassName(state, nameFor) {
  const names = new Set(state.classes.map((c) => c.name));
  let n = state.classes.length + 1;
  while (names.has(nameFor(n))) n += 1;
  return nameFor(n);
}

// The class that a folder of this name fills: the existing class of that name, if any.
export function classNamed(state, name) {
  return state.classes.find((c) => c.name === name) ?? null;
}

// What undoing the last deletion asks of the server: a class of the old name at its old place,
// holding the old pictures that are still unlabelled (one moved since keeps its new class).
export function undoPlan(state) {
  if (!state.deleted) return null;
  const { cls, sampleIds } = state.deleted;
  const ids = new Set(sampleIds);
  const stillUnlabelled = [...state.samples.values()].filter((s) => ids.has(s.id) && s.classId === null).map((s) => s.id);
  return { name: cls.name, position: Math.min(cls.position, state.classes.length), sampleIds: stillUnlabelled };
}

// The labels a saved version records for the trained head: class ids with today's names.
export function versionLabels(state) {
  const names = displayNames(state.trained.labels, state.classes);
  return state.trained.labels.map((label, i) => ({ class_id: label.id, name: names[i] }));
}

// The position to send the server for a move of `by`, or null when the class cannot move.
export function movePosition(state, classId, by) {
  const from = state.classes.findIndex((c) => c.id === classId);
  const to = from + by;
  return from < 0 || to < 0 || to >= state.classes.length ? null : to;
}

// Samples in dataset.js's shape, their vectors looked up by sha256 in the embedder's cache.
export function trainingSamples(state, vectorsOf, dim) {
  return [...state.samples.values()]
    .filter((s) => s.status === 'saved')
    .map((s) => {
      const pair = s.embedded ? vectorsOf(s.sha256) : null;
      return {
        id: s.id,
        classId: s.classId,
        embedding: pair ? pair.subarray(0, dim) : null,
        mirrored: pair && pair.length >= 2 * dim ? pair.subarray(dim, 2 * dim) : undefined,
      };
    });
}

// The quick head can be used while its outputs still mean today's classes (renames are fine).
export function headReady(state) {
  return Boolean(state.trained) && compareLabels(state.trained.labels, state.classes).upToDate;
}

// What the preview runs: the server's model when chosen, else the quick head when it is ready.
export function previewModel(state) {
  if (state.serverModel) {
    const { model } = state.serverModel;
    return { kind: 'server', labels: model.labels.map((l) => classById(state, l.class_id)?.name ?? l.name) };
  }
  if (headReady(state)) return { kind: 'quick', labels: displayNames(state.trained.labels, state.classes) };
  return null;
}

// Validation accuracy from a model's metrics: the server's versions and the ones the page saves
// say `val_accuracy`; versions the page saved before it used that name say `valAccuracy`, and
// so does the trainer's own summary.
export function validationAccuracy(metrics) {
  return metrics?.val_accuracy ?? metrics?.valAccuracy ?? null;
}

// How far a fine-tuning job's progress report is through its training runs, 0..1: a check run
// then the final one, taken as equal halves (a job with no held-out pictures has one run).
export function finetuneFraction(progress) {
  const { epoch, epochs, step, steps, run = 1, runs = 1 } = progress;
  return (run - 1 + ((epoch - 1) * steps + step) / (epochs * steps)) / runs;
}

// The network a fine-tuning job trains, as the studio offers it ({architecture, kind}), or null
// when it is none of the backbones offered. The server fine-tunes its most accurate backbone,
// which may not be the one the page prepares pictures with.
export function finetuneNetwork(state) {
  const id = state.job?.backbone_id;
  const choice = state.backboneChoices.find((c) => c.id === id);
  return choice ? { architecture: choice.architecture, kind: choice.kind } : null;
}

// Whether fine-tuning beat the quick model, judged only where both were scored on the same
// held-out pictures (the page and the server split a project alike, so they are the same
// pictures unless the project changed between the two trainings): {count, gain (accuracy, as
// a fraction), helped}, or null when the scores cannot be compared.
export function finetuneVerdict({ quickAccuracy, quickHeldOut, serverMetrics }) {
  const serverAccuracy = serverMetrics?.val_accuracy;
  if (quickAccuracy == null || serverAccuracy == null || !quickHeldOut || serverMetrics.val_digest !== quickHeldOut) return null;
  const gain = serverAccuracy - quickAccuracy;
  return { count: serverMetrics.val_count, gain, helped: gain > 0 };
}

// The trainer's metrics as a version stores them, in the server's snake_case names.
export function metricsForVersion(metrics = {}) {
  return Object.fromEntries(Object.entries(metrics).map(([name, value]) => [name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]));
}

// The saved version a reopened project previews: the published one, else the newest, if the
// page trained it (a server version is previewed through its own graph model instead).
export function versionToPreview(state) {
  // A head only means something on the backbone it was trained on: versions trained on another
  // one (before the project switched) are not previewed.
  const browser = state.versions.filter((v) => v.tier === 'browser' && v.backbone_id === state.project?.backboneId);
  return browser.find((v) => v.published) ?? browser[0] ?? null;
}

// Every picture of the project is listed and prepared, and the model that prepares new ones is
// loaded: training sees the whole project.
export function picturesReady(state) {
  const { done, total } = state.embedding;
  return state.modelReady && state.listing.done && done === total;
}

// The status line as translation keys: backend, uploads, and how far loading and preparation
// have come.
export function statusParts(state) {
  const parts = [];
  if (state.backend) parts.push({ key: 'backendLabel', params: { backend: state.backend } });
  const { pending, failing } = state.uploads;
  if (pending) parts.push({ key: failing ? 'failedUploads' : 'pendingUploads', params: { count: pending } });
  else parts.push({ key: 'allSaved', params: {} });
  const { loaded, total: listed, done: allListed } = state.listing;
  if (!allListed && listed) parts.push({ key: 'loadingPictures', params: { loaded, total: listed } });
  const { done, total } = state.embedding;
  if (total && done < total) parts.push({ key: 'embeddingProgress', params: { done, total } });
  else if (total && picturesReady(state)) parts.push({ key: 'embeddingDone', params: {} });
  return parts;
}

// Object URLs the state no longer holds: the controller revokes them, so their pictures are freed.
export function droppedUrls(before, after) {
  if (before.samples === after.samples) return [];
  const kept = new Set();
  for (const s of after.samples.values()) if (s.url) kept.add(s.url);
  const dropped = [];
  for (const s of before.samples.values()) if (s.url && !kept.has(s.url)) dropped.push(s.url);
  return dropped;
}

// The image models a student chooses between, by what they are good at (measured on the same
// pictures, benchmarks/README.md): MobileNetV2 prepares pictures faster, EfficientNet-Lite0
// recognises them better. Of each architecture the newest export is offered; `megabytes` is what
// the browser downloads (its weight files).
const BACKBONE_KINDS = [
  { kind: 'faster', architecture: 'MobileNetV2' },
  { kind: 'moreAccurate', architecture: 'EfficientNet-Lite0' },
];

export function backboneChoices(backbones) {
  const choices = [];
  for (const { kind, architecture } of BACKBONE_KINDS) {
    const newest = backbones
      .filter((b) => b.metadata?.architecture === architecture)
      .sort((a, b) => String(a.metadata.created ?? '').localeCompare(String(b.metadata.created ?? '')))
      .at(-1);
    if (newest) choices.push({ kind, id: newest.id, architecture, megabytes: Math.round((newest.download_bytes ?? 0) / 1e5) / 10 });
  }
  return choices;
}

// The choice is offered when there is one to make; switching reloads the page, so not while a
// head trains or a picture is still uploading (its upload would be cut off).
export function canSwitchBackbone(state) {
  return state.canWrite && state.backboneChoices.length > 1 && !state.training && state.uploads.pending === 0 && state.switchingTo === null;
}

// A head trained here and not saved as a version (a saved one, or one loaded back from a
// version, has its versionId): the page's reload for a backbone switch would lose it.
export function unsavedHead(state) {
  return Boolean(state.trained) && !state.trained.versionId;
}
