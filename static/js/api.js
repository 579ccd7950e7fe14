// The JSON API, one function per call. Errors arrive as RFC 9457 problem details and are
// thrown as ApiError, whose message is the catalogue's text for the problem's `code`
// (error.<code>, with its `params`), the server's English only where the catalogue has none.
import { readEmbeddingPage } from './embeddingPage.js';
import { t } from './strings.js';

function problemText(problem) {
  const key = `error.${problem.code}`;
  if (problem.code && t.has(key)) return t(key, problem.params ?? {});
  return problem.detail || problem.title || `HTTP ${problem.status}`;
}

export class ApiError extends Error {
  constructor(problem) {
    super(problemText(problem));
    this.status = problem.status;
    this.problem = problem;
  }
}

// What `request` answers to a conditional GET (an If-None-Match header) that the server answers
// 304: the page's copy is current.
export const NOT_MODIFIED = Symbol('not modified');

// The one fetch wrapper of every page: the credential (a bearer token) if any, a JSON body or
// any other body, and the answer read as `read` says: 'auto' (JSON by its Content-Type, else a
// Blob), 'json', 'blob' or 'arrayBuffer'; 204 is null. Any failure throws ApiError (status 0:
// the network).
export async function request(method, url, { token = null, json, body, headers = {}, read = 'auto', keepalive = false } = {}) {
  const init = { method, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers }, keepalive };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (networkError) {
    // Said plainly: what needs the server happens when the connection returns.
    throw new ApiError({ status: 0, title: 'Network error', detail: t('serverUnreachable', { reason: networkError.message }) });
  }
  if (response.status === 304) return NOT_MODIFIED; // asked with If-None-Match: nothing changed
  if (!response.ok) {
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = { status: response.status, title: response.statusText };
    }
    throw new ApiError({ status: response.status, ...problem });
  }
  if (response.status === 204) return null;
  if (read === 'auto') return (response.headers.get('Content-Type') || '').includes('json') ? response.json() : response.blob();
  return response[read]();
}

export function createApi(projectId, ownerToken) {
  const auth = ownerToken ? { Authorization: `Bearer ${ownerToken}` } : {};
  const call = (method, url, options = {}) => request(method, url, { token: ownerToken, ...options });

  const base = `/api/projects/${encodeURIComponent(projectId)}`;
  return {
    getProject: () => call('GET', base),
    renameProject: (title) => call('PATCH', base, { json: { title } }),
    chooseBackbone: (backboneId) => call('PATCH', base, { json: { backbone_id: backboneId } }),
    addClass: (name) => call('POST', `${base}/classes`, { json: { name } }),
    updateClass: (classId, changes) => call('PATCH', `${base}/classes/${classId}`, { json: changes }),
    deleteClass: (classId, deleteSamples) =>
      call('DELETE', `${base}/classes/${classId}${deleteSamples ? '?delete_samples=true' : ''}`),
    // A page of pictures, oldest first: the first without `after`, then after the last one's
    // next_cursor; `classId` lists one class only.
    listSamples: (after = null, perPage = 500, classId = null) =>
      call(
        'GET',
        `${base}/samples?per_page=${perPage}${after ? `&after=${encodeURIComponent(after)}` : ''}${classId == null ? '' : `&class_id=${classId}`}`,
      ),
    // A phone link that adds pictures to one class for a few minutes, and ending it.
    startPairing: (classId) => call('POST', `${base}/classes/${classId}/pairings`),
    endPairing: (classId) => call('DELETE', `${base}/classes/${classId}/pairings`),
    uploadSamples(files, classId, source) {
      const form = new FormData();
      for (const file of files) form.append('file', file, file.name || 'image');
      if (classId != null) form.append('class_id', String(classId));
      form.append('source', source);
      return call('POST', `${base}/samples`, { body: form });
    },
    relabelSamples: (ids, classId) => call('PATCH', `${base}/samples`, { json: { ids, class_id: classId } }),
    deleteSample: (sampleId) => call('DELETE', `${base}/samples/${encodeURIComponent(sampleId)}`),
    // Many samples' embeddings in one request (a body of embeddingPage.js writeEmbeddingBatch);
    // keepalive lets a small one outlive the page.
    putEmbeddings: (backboneId, body, { keepalive = false } = {}) =>
      call('PUT', `${base}/embeddings/${backboneId}`, {
        body,
        headers: { 'Content-Type': 'application/octet-stream' },
        keepalive,
      }),
    // A page of the project's stored embeddings (embeddingPage.js), in float16: half the bytes.
    embeddingPage: async (backboneId, after = null, perPage = 500) =>
      readEmbeddingPage(
        await call('GET', `${base}/embeddings?backbone=${backboneId}&dtype=float16&per_page=${perPage}${after ? `&after=${encodeURIComponent(after)}` : ''}`, { read: 'arrayBuffer' }),
      ),
    backbones: () => call('GET', '/api/backbones'),
    // Model versions, share links, exports and project files.
    listModels: () => call('GET', `${base}/models`),
    saveModel: (version) => call('POST', `${base}/models`, { json: version }),
    publishModel: (modelId) => call('POST', `/api/models/${encodeURIComponent(modelId)}/publish`),
    deleteModel: (modelId) => call('DELETE', `/api/models/${encodeURIComponent(modelId)}`),
    createShare: (modelId, options) =>
      call('POST', `/api/models/${encodeURIComponent(modelId)}/shares`, { json: options }),
    listShares: () => call('GET', `${base}/shares`),
    revokeShare: (token) => call('DELETE', `/api/shares/${encodeURIComponent(token)}`),
    // A file (export or project zip) as a Blob, fetched with the owner token.
    downloadBlob: (url) => call('GET', url, { read: 'blob' }),
    // A saved browser-tier version's head (trainer.js serializeHead's JSON).
    modelHead: (modelId) => call('GET', `/api/models/${encodeURIComponent(modelId)}/files/head.json`, { read: 'json' }),
    archiveUrl: (format = 'zip') => `${base}/archive?format=${format}`,
    notebookUrl: () => `${base}/notebook`,
    finishQuiz: (result) => call('PUT', `${base}/quiz`, { json: result }),
    // Fine-tuning on the server, and the headers that load a fine-tuned model's files.
    startFinetune: (settings) => call('POST', `${base}/finetune`, { json: settings }),
    listJobs: () => call('GET', `${base}/jobs`),
    getJob: (jobId) => call('GET', `/api/jobs/${encodeURIComponent(jobId)}`),
    cancelJob: (jobId) => call('DELETE', `/api/jobs/${encodeURIComponent(jobId)}`),
    authHeaders: () => ({ ...auth }),
  };
}

export function createProject(title, classNames) {
  return request('POST', '/api/projects', { json: { title, classes: classNames } });
}

// A new project from a zip of class folders (or one Snapclass exported).
// A project from a zip or a .tm file; with a classroom student's token, the project is theirs.
export function importProject(file, token = null) {
  const form = new FormData();
  form.append('file', file, file.name || 'project.zip');
  return request('POST', '/api/projects/import', { body: form, token });
}
