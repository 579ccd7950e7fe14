// The studio's copy of a project on this device (IndexedDB, idb.js), so that a studio opened
// while the server cannot be reached (a reload with the network down, where the service worker
// gave the page) shows the project as last seen: its title, classes and image model, and the
// head last trained here, with the pictures waiting on the device (devicePictures.js). It holds
// no picture. It goes with those pictures: on "forget" and when the project is gone for this page.
import { PROJECTS, run } from './idb.js';

// The parts of a studio's state the copy keeps: the project as the API describes it.
export function projectCopyOf(state) {
  const { project, classes } = state;
  return { id: project.id, title: project.title, classroom: project.inClassroom ? {} : null, backbone_id: project.backboneId, classes };
}

// Merges `changes` ({project} and/or {trained}) into the project's copy, in one transaction.
function update(projectId, changes) {
  return run(PROJECTS, 'readwrite', (store) => {
    const reading = store.get(projectId);
    reading.onsuccess = () => store.put({ ...reading.result, ...changes }, projectId);
  });
}

export const keepProjectCopy = (projectId, project) => update(projectId, { project });
export const keepTrainedHead = (projectId, trained) => update(projectId, { trained });
// Resolves to {project, trained?}, or undefined where this device kept none.
export const projectCopy = (projectId) => run(PROJECTS, 'readonly', (store) => store.get(projectId));
export const forgetProjectCopy = (projectId) => run(PROJECTS, 'readwrite', (store) => store.delete(projectId));
