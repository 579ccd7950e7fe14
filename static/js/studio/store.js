// The one place the studio's state changes: dispatch(name, detail) runs studioState.js's action
// `name` and tells the page to draw. Object URLs the new state no longer holds are revoked here,
// so their pictures are freed. `attempt` runs an API call and turns its failure into a notice.
import { actions as studioActions, droppedUrls } from '../studioState.js';

export function createStore(initial, { actions = studioActions, onChange = () => {}, revoke = (url) => URL.revokeObjectURL(url) } = {}) {
  let state = initial;

  // Changes the state without asking for a drawing: for the drawing itself (it folds in the
  // embeddings that arrived since the last one).
  function apply(name, detail) {
    const action = actions[name];
    if (!action) throw new Error(`no studio action ${name}`);
    const before = state;
    state = action(state, detail);
    for (const url of droppedUrls(before, state)) revoke(url);
    return state;
  }

  function dispatch(name, detail) {
    apply(name, detail);
    onChange(name);
    return state;
  }

  // The result of `call`, or null when it failed, then said in a notice.
  async function attempt(call) {
    try {
      return await call();
    } catch (error) {
      // No answer at all (status 0): the reason says it plainly, without "something went wrong".
      dispatch('noticeShown', { key: error.status === 0 ? 'unreachable' : 'error', params: { reason: error.message } });
      return null;
    }
  }

  return {
    get state() {
      return state;
    },
    apply,
    dispatch,
    attempt,
  };
}
