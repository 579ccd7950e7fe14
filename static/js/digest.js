// A picture's name before the server has it: its SHA-256 in hex, as the server names its copy
// (a camera frame or a shrunk file is stored byte for byte), so what the page prepared offline
// is found under the same name once the picture is stored. crypto.subtle exists in secure
// contexts only (https, localhost): elsewhere the name is the page's own, and the picture is
// prepared again under the server's name once stored.
export async function pictureDigest(blob) {
  if (!globalThis.crypto?.subtle) return `local:${Date.now()}:${Math.random().toString(36).slice(2)}`;
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return Array.from(hash, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
