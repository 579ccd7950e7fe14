// Reading the studio's state: what the components show and what the controller decides from,
// computed from the state alone (no DOM, no network, no TF.js), each with a Node test
// (tests/studioState.test.mjs, tests/studioModels.test.mjs, tests/studio/props.test.mjs).
import { compareLabels, displayNames } from './dataset.js';

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
// Pictures still waiting for the server count too (by their local key until they have an id):
// they are prepared on the page as they are taken, so a studio cut off from the server trains
// on them; only pictures the server refused are left out.
export function trainingSamples(state, vectorsOf, dim) {
  return [...state.samples.values()]
    .filter((s) => s.status !== 'rejected')
    .map((s) => {
      const pair = s.embedded ? vectorsOf(s.sha256) : null;
      return {
        id: s.id ?? s.key,
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
// pictures, benchmarks/LOG.md section 1): "faster" and "moreAccurate", in that order. The server says
// which export each kind is (`kind` in GET /api/backbones: the newest of its architecture);
// `megabytes` is what the browser downloads (its weight files).
const KIND_ORDER = ['faster', 'moreAccurate'];

export function backboneChoices(backbones) {
  return backbones
    .filter((b) => KIND_ORDER.includes(b.kind))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind))
    .map((b) => ({ kind: b.kind, id: b.id, architecture: b.metadata?.architecture, megabytes: Math.round((b.download_bytes ?? 0) / 1e5) / 10 }));
}

// The choice is offered when there is one to make; switching reloads the page, so not while a
// head trains or a picture is still uploading (its upload would be cut off).
export function canSwitchBackbone(state) {
  return state.canWrite && state.backboneChoices.length > 1 && !state.training && pendingUploads(state) === 0 && state.switchingTo === null;
}

// Pictures not yet saved: queued or sending, and still being made (studioContent's preparingChanged).
export function pendingUploads(state) {
  return state.uploads.pending + state.uploads.preparing;
}

// A listing asked for when state.deletions was `seen` may hold pictures deleted since.
export function listingOutdated(state, seen) {
  return state.deletions !== seen;
}

// A head trained here and not saved as a version (a saved one, or one loaded back from a
// version, has its versionId): the page's reload for a backbone switch would lose it.
export function unsavedHead(state) {
  return Boolean(state.trained) && !state.trained.versionId;
}
