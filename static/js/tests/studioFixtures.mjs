// What the studio state's tests share: a loaded project, and a check that an action leaves
// the state it is given unchanged.
import assert from 'node:assert/strict';

import { actions, initialState } from '../studioState.js';

export const serverSample = (id, classId, sha256 = `sha-${id}`) => ({ id, class_id: classId, sha256, image_url: `/api/samples/${id}/image` });

// A project with classes Cats (1), Dogs (2), Birds (3) and pictures a, b in Cats, c in Dogs.
export function loaded() {
  let state = initialState({ canWrite: true });
  state = actions.projectLoaded(state, {
    project: { id: 'p1', title: 'Pets', backbone_id: 'mobile', classes: [{ id: 2, name: 'Dogs', position: 1 }, { id: 1, name: 'Cats', position: 0 }, { id: 3, name: 'Birds', position: 2 }] },
  });
  return actions.samplesListed(state, { samples: [serverSample('a', 1), serverSample('b', 1), serverSample('c', 2)] });
}

export const names = (state) => state.classes.map((c) => c.name);
export const classOf = (state, key) => state.samples.get(key).classId;

function frozen(state) {
  // Actions never change the state they are given.
  return structuredClone({ ...state, samples: [...state.samples] });
}

export function applyUnchanged(name, state, detail) {
  const before = frozen(state);
  const after = actions[name](state, detail);
  assert.deepEqual(frozen(state), before, `${name} changed its input`);
  return after;
}
