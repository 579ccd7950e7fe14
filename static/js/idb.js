// Embeddings cached in IndexedDB, keyed by backbone id and image sha256, so a picture is
// embedded once per browser and backbone, whatever project it is in.
const DB_NAME = 'snapclass';
const STORE = 'embeddings';
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

function run(mode, work) {
  return open().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error);
      }),
  );
}

export const embeddingKey = (backboneId, sha256) => `${backboneId}:${sha256}`;
export const getCachedEmbedding = (key) => run('readonly', (store) => store.get(key));
export const putCachedEmbedding = (key, vectors) => run('readwrite', (store) => store.put(vectors, key));
