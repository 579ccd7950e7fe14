// What the classroom pages share: the page's own token (teacher, student or phone), read from
// the URL fragment, which the browser never sends to the server, and QR codes. Their calls go
// through api.js's `request` with that token.
import { request } from './api.js';

export function fragmentToken(name) {
  return new URLSearchParams(location.hash.slice(1)).get(name);
}

// A QR code of a URL as an <img>; the URL (which may hold a secret) goes in a POST body.
export async function qrImage(url, alt) {
  const svg = await request('POST', '/api/qr', { json: { text: url } });
  const img = document.createElement('img');
  img.className = 'qr';
  img.alt = alt;
  img.src = URL.createObjectURL(svg);
  return img;
}

export function absolute(path) {
  return `${location.origin}${path}`;
}
