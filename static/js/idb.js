// This browser's IndexedDB database: three stores.
// - embeddings: vector pairs keyed by backbone id and image sha256, so a picture is embedded once
//   per browser and backbone, whatever project it is in;
// - pictures: pictures taken or chosen here that the server has not acknowledged yet
//   (devicePictures.js), each {id, projectId, classId, source, blob, taken};
// - projects: the studio's copy of a project, keyed by its id, for opening it while the server
//   cannot be reached (deviceProjects.js): {project, trained}.
const DB_NAME = 'snapclass';
const VERSION = 3;
const EMBEDDINGS = 'embeddings';
export const PICTURES = 'pictures';
export const PROJECTS = 'projects';
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, VERSION);
    // Version 1 had the embeddings only, version 2 no projects: an upgrade adds what is missing
    // and keeps the rest.
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(EMBEDDINGS)) db.createObjectStore(EMBEDDINGS);
      if (!db.objectStoreNames.contains(PICTURES)) db.createObjectStore(PICTURES, { keyPath: 'id', autoIncrement: true }).createIndex('project', 'projectId');
      if (!db.objectStoreNames.contains(PROJECTS)) db.createObjectStore(PROJECTS);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

// work(store) -> an IDBRequest (its result is the answer) or nothing; resolves once the
// transaction has committed, so a write is on disk when the promise is.
export function run(storeName, mode, work) {
  return open().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(storeName, mode);
        const request = work(tx.objectStore(storeName));
        tx.oncomplete = () => resolve(request?.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error ?? new DOMException('the transaction was aborted', 'AbortError'));
      }),
  );
}

export const embeddingKey = (backboneId, sha256) => `${backboneId}:${sha256}`;
export const getCachedEmbedding = (key) => run(EMBEDDINGS, 'readonly', (store) => store.get(key));
export const putCachedEmbedding = (key, vectors) => run(EMBEDDINGS, 'readwrite', (store) => store.put(vectors, key));
