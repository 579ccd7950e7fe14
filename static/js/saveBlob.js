// Saving a Blob the page holds (an export, a project or class zip) as a download: a hidden link
// clicked once, its object URL revoked a minute later (long enough for the browser to start the
// download, and the Blob is then freed).
export function saveBlob(blob, filename, { revokeAfterMs = 60_000 } = {}) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), revokeAfterMs);
}
