// Reads what was dropped on the page: loose image files, and folders whose name becomes a
// class name (one level deep; files in sub-folders count for the top folder).
const IMAGE = /\.(jpe?g|png|webp)$/i;

function readAll(reader) {
  return new Promise((resolve, reject) => {
    const entries = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) return resolve(entries);
        entries.push(...batch);
        next();
      }, reject);
    next();
  });
}

async function filesIn(entry) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return IMAGE.test(file.name) || file.type.startsWith('image/') ? [file] : [];
  }
  const children = await readAll(entry.createReader());
  return (await Promise.all(children.map(filesIn))).flat();
}

export async function filesFromDrop(items) {
  const entries = [...items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  const loose = [];
  const folders = new Map();
  for (const entry of entries) {
    if (entry.isDirectory) folders.set(entry.name, await filesIn(entry));
    else loose.push(...(await filesIn(entry)));
  }
  return { loose, folders };
}
