// Classes and labelling: add, rename, move and delete classes (with undo), move pictures between
// classes and delete them. Each change is asked of the server, then made in the state; where a
// guess went ahead of the server (a move), the server's word wins afterwards.
import { classById, classNamed, movePosition, nextClassName, undoPlan } from '../studioState.js';

// nameFor(n): the default name of the n-th class (strings.js); forgetUploads(classId): the
// uploads still queued for a deleted class go unlabelled; stopRecording(): the deleted class
// was being recorded; forget(ids): the embedder forgets deleted pictures.
export function createClasses({ store, api, nameFor, forgetUploads, stopRecording, forget }) {
  const { attempt, dispatch } = store;

  // Resolves to the new class, or null.
  async function add(name = nextClassName(store.state, nameFor)) {
    const cls = await attempt(() => api.addClass(name));
    if (cls) dispatch('classAdded', { cls });
    return cls;
  }

  // The class a folder of this name fills: the existing one, else a new one.
  const classFor = (name) => classNamed(store.state, name) ?? add(name);

  // Resolves false when the name was not taken (the field then shows the old name again).
  async function rename(classId, name) {
    const updated = name && (await attempt(() => api.updateClass(classId, { name })));
    if (updated) dispatch('classRenamed', { classId, name: updated.name });
    return Boolean(updated);
  }

  async function reload() {
    const project = await attempt(() => api.getProject());
    if (project) dispatch('classesLoaded', { classes: project.classes });
  }

  async function move(classId, by) {
    const position = movePosition(store.state, classId, by);
    if (position === null) return;
    dispatch('classMoved', { classId, by });
    const moved = await attempt(() => api.updateClass(classId, { position }));
    if (!moved) await reload();
  }

  async function remove(classId) {
    const cls = classById(store.state, classId);
    if (!(await attempt(() => api.deleteClass(classId).then(() => true)))) return;
    forgetUploads(classId);
    if (store.state.recordingClassId === classId) stopRecording();
    dispatch('classDeleted', { classId });
    dispatch('noticeShown', { key: 'classDeleted', params: { name: cls.name }, action: { label: 'undo', event: 'undo-delete' } });
  }

  async function undoDelete() {
    const plan = undoPlan(store.state);
    if (!plan) return;
    const cls = await attempt(() => api.addClass(plan.name));
    if (!cls) return;
    const placed = plan.position === cls.position ? cls : ((await attempt(() => api.updateClass(cls.id, { position: plan.position }))) ?? cls);
    if (plan.sampleIds.length) await attempt(() => api.relabelSamples(plan.sampleIds, cls.id));
    dispatch('classRestored', { cls: placed });
    await reload();
  }

  async function relabel(ids, classId) {
    if (!ids.length || !store.state.canWrite) return;
    const result = await attempt(() => api.relabelSamples(ids, classId));
    if (result) dispatch('samplesMoved', { ids: result.samples.map((s) => s.id), classId });
  }

  async function deleteSamples(ids) {
    dispatch('deletionStarted');
    forget(ids);
    const gone = [];
    for (const id of ids) if (await attempt(() => api.deleteSample(id).then(() => true))) gone.push(id);
    dispatch('samplesDeleted', { ids: gone });
  }

  return { add, classFor, rename, move, remove, undoDelete, relabel, deleteSamples };
}
