// What the studio does with a picture whose upload failed, and with the pictures a reopened
// studio finds waiting on the device: pure rules, with Node tests (tests/uploadRules.test.mjs).

// 'retry': the server could not be reached or asked to try again (no answer, 408, 409: a twin
//   upload of the same picture was being saved, 429, 5xx): it stays queued and on the device;
// 'gone': the project is gone for this page (401: its link no longer works, e.g. the student
//   was removed or the classroom ended; 404: the project was deleted; 410: ended): no picture
//   of it will ever be accepted, so every one waiting is deleted from the device, not retried;
// 'refused': the server refused this picture (a bad file, 4xx): it is reported and dropped.
export const GONE_STATUSES = new Set([401, 404, 410]);

export function uploadOutcome(error) {
  const status = error?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500 || [408, 409, 429].includes(status)) return 'retry';
  return GONE_STATUSES.has(status) ? 'gone' : 'refused';
}

// A storage quota error: the device is full and the picture could not be kept on it.
export function isQuotaError(error) {
  return error?.name === 'QuotaExceededError' || error?.inner?.name === 'QuotaExceededError';
}

// The class a waiting picture goes to when it is sent: its own, or unlabelled when the class
// was deleted meanwhile (as the class's stored pictures went).
export function classOnArrival(classes, classId) {
  return classId != null && classes.some((c) => c.id === classId) ? classId : null;
}
