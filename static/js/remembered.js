// A list this browser remembers in localStorage under `key`, newest first, one entry per id:
// the projects it made (projects.js) and the classrooms it was asked to keep (rememberedClassrooms.js).
export function rememberedList(key) {
  function all() {
    try {
      return JSON.parse(localStorage.getItem(key)) || [];
    } catch {
      return [];
    }
  }
  const without = (id) => all().filter((entry) => entry.id !== id);
  return {
    all,
    remember: (entry) => localStorage.setItem(key, JSON.stringify([{ ...entry, opened: Date.now() }, ...without(entry.id)])),
    forget: (id) => localStorage.setItem(key, JSON.stringify(without(id))),
  };
}
