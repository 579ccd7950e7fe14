// Projects this browser made, with their owner tokens, kept in localStorage. The token also
// travels in the edit link's fragment (#owner=...), which browsers never send to the server.
import { forgetPictures } from './devicePictures.js';
import { rememberedList } from './remembered.js';

const projects = rememberedList('snapclass.projects');

export const rememberedProjects = projects.all;

export function rememberProject({ id, title, ownerToken }) {
  projects.remember({ id, title, ownerToken });
}

// Forgetting a project on this browser deletes its pictures still waiting on the device too: a
// shared computer keeps none of a child's pictures.
export function forgetProject(id) {
  projects.forget(id);
  return forgetPictures(id).catch(() => 0);
}

// The credential the studio opens a project with, and what it lets the page do: an owner's or a
// student's token edits the project; a teacher's (#teacher=..., from the dashboard) only reads it
// and deletes pictures (moderation), but edits, trains and saves a class project (#class=...),
// and is never remembered. A student's token opens every project of theirs.
export function projectCredential(id) {
  const fragment = new URLSearchParams(location.hash.slice(1));
  for (const role of ['owner', 'student', 'teacher', 'class']) {
    const token = fragment.get(role);
    if (token) return { token, role };
  }
  const remembered = rememberedProjects().find((p) => p.id === id)?.ownerToken;
  return remembered ? { token: remembered, role: 'owner' } : { token: null, role: null };
}

export function editLink(id, ownerToken) {
  return `${location.origin}/p/${encodeURIComponent(id)}#owner=${encodeURIComponent(ownerToken)}`;
}
