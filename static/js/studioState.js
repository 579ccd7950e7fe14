// The studio's state and every rule that changes it, with no DOM, no network and no TF.js:
// an action takes the state and a detail and returns a new state (the old one is never changed),
// so each rule has a Node test (tests/studioState.test.mjs and its neighbours). studio.js does the I/O around them:
//   state = actions[name](state, detail); render(state);
// The actions come in two parts: the project's content (studioContent.js: classes, pictures,
// uploads, phones) and its model (studioModels.js: training, versions, jobs, and the page's
// messages about them); reading the state is studioReaders.js, re-exported here.
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
// `ui`: what the page says of the moment (errors and messages as strings.js {key, params}).
import { contentActions } from './studioContent.js';
import { modelActions } from './studioModels.js';

export * from './studioReaders.js';

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
    uploads: { pending: 0, failing: false, preparing: 0 },
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
    deletions: 0, // deletions begun or ended so far: see contentActions.deletionStarted
    ui: {
      quickHeldOut: null, // the digest of the pictures the quick head was scored on
      trainError: null,
      saving: false,
      saveMessage: null,
      exportMessage: null,
      notebookMessage: null,
      finetuneError: null,
      loadingServerModel: false,
      quizReport: null,
    },
    notice: null, // {key, params, action: {label, event} | null}: the message at the top, in strings.js keys
  };
}

export const actions = {
  ...contentActions,
  ...modelActions,

  // A message for the student, replacing the one shown; `action` is a button that sends its
  // `event` to the controller (e.g. undoing a deletion).
  noticeShown(state, { key, params = {}, action = null }) {
    return { ...state, notice: { key, params, action } };
  },

  noticeDismissed(state) {
    return state.notice ? { ...state, notice: null } : state;
  },
};
