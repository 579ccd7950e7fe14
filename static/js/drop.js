// Reads what was dropped or picked: loose image files, and folders whose name becomes a class
// name (files in sub-folders count for their class folder).
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
    return isImage(file) ? [file] : [];
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

const isImage = (file) => IMAGE.test(file.name) || file.type.startsWith('image/');

// Files from <input webkitdirectory>: picking one class folder ("hat/x.jpg") or a folder of
// class folders ("clothes/hat/x.jpg") both give one class per class folder.
export function filesFromFolderPicker(files) {
  const folders = new Map();
  for (const file of files) {
    if (!isImage(file)) continue;
    const parts = file.webkitRelativePath.split('/');
    const name = parts.length >= 3 ? parts[1] : parts[0];
    if (!folders.has(name)) folders.set(name, []);
    folders.get(name).push(file);
  }
  return folders;
}
