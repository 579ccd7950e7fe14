// The npm packages a page uses, by name: the page's import map (server/assets.py import_map, in
// templates/base.html) says where each is served. vendorUrl gives the address, for what cannot
// use the map itself (Web Workers, script tags); null when the package is not installed.
export function vendorUrl(specifier) {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return null;
  }
}
