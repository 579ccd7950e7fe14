// Projects this browser made, with their owner tokens, kept in localStorage. The token also
// travels in the edit link's fragment (#owner=...), which browsers never send to the server.
const KEY = 'snapclass.projects';

export function rememberedProjects() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) || [];
  } catch {
    return [];
  }
}

export function rememberProject({ id, title, ownerToken }) {
  const others = rememberedProjects().filter((p) => p.id !== id);
  localStorage.setItem(KEY, JSON.stringify([{ id, title, ownerToken, opened: Date.now() }, ...others]));
}

export function forgetProject(id) {
  localStorage.setItem(KEY, JSON.stringify(rememberedProjects().filter((p) => p.id !== id)));
}

export function ownerTokenFor(id) {
  // A classroom student's token opens every project of theirs, like an owner token.
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromLink = fragment.get('owner') || fragment.get('student');
  if (fromLink) return fromLink;
  return rememberedProjects().find((p) => p.id === id)?.ownerToken ?? null;
}

export function editLink(id, ownerToken) {
  return `${location.origin}/p/${encodeURIComponent(id)}#owner=${encodeURIComponent(ownerToken)}`;
}
