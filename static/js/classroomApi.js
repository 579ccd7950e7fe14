// Calls of the classroom pages: each sends the page's own token (teacher, student or phone),
// read from the URL fragment, which the browser never sends to the server.
import { ApiError } from './api.js';

export function fragmentToken(name) {
  return new URLSearchParams(location.hash.slice(1)).get(name);
}

export async function call(method, url, { token, json, body } = {}) {
  const init = { method, headers: token ? { Authorization: `Bearer ${token}` } : {} };
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
    throw new ApiError({ status: 0, title: 'Network error', detail: networkError.message });
  }
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
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.blob();
}

// A QR code of a URL as an <img>; the URL (which may hold a secret) goes in a POST body.
export async function qrImage(url, alt) {
  const svg = await call('POST', '/api/qr', { json: { text: url } });
  const img = document.createElement('img');
  img.className = 'qr';
  img.alt = alt;
  img.src = URL.createObjectURL(svg);
  return img;
}

export function absolute(path) {
  return `${location.origin}${path}`;
}
