// Pictures waiting on this device (IndexedDB, idb.js) until the server has them: kept the moment
// they are taken or chosen, with their project and class, and deleted once the server has
// acknowledged them, when the server says their project is gone for this page, or when the
// student forgets the project on this browser. A reopened studio sends the ones still here.
import { forgetProjectCopy } from './deviceProjects.js';
import { PICTURES, run } from './idb.js';

// Resolves to the record's id; rejects (QuotaExceededError when the device is full) when the
// picture could not be kept.
export function keepPicture({ projectId, classId, source, blob }) {
  return run(PICTURES, 'readwrite', (store) => store.add({ projectId, classId, source, blob, taken: Date.now() }));
}

export const pictureSaved = (id) => run(PICTURES, 'readwrite', (store) => store.delete(id));

// The project's waiting pictures, oldest first.
export async function picturesWaiting(projectId) {
  const records = await run(PICTURES, 'readonly', (store) => store.index('project').getAll(projectId));
  return records.sort((a, b) => a.id - b.id);
}

// Deletes every picture of the project waiting here, in one transaction, and the studio's copy
// of the project (deviceProjects.js); resolves to how many pictures.
export async function forgetPictures(projectId) {
  const copy = forgetProjectCopy(projectId);
  const keys = await run(PICTURES, 'readwrite', (store) => {
    const listing = store.index('project').getAllKeys(projectId);
    listing.onsuccess = () => {
      for (const key of listing.result) store.delete(key);
    };
    return listing;
  });
  await copy;
  return keys.length;
}
