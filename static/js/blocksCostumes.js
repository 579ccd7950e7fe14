// "Your pictures" in the block editor: a project's own pictures, by class, as a costume library
// that works with no internet (the editor's own libraries live on Scratch's servers). Shown only
// to a browser holding the project's credential (its owner's or student's token, remembered by
// the studio, projects.js): the pictures come through the same API as in the studio, never
// through a share link. A picture chosen becomes a costume of the sprite (or a backdrop of the
// stage) being edited, at its own size on the stage.
import { createApi } from './api.js';
import { h } from './dom.js';
import { projectCredential } from './projects.js';
import { t } from './strings.js';

const MAX_PICTURES = 500; // one page of the API: a costume library, not the whole project
const STAGE = { width: 480, height: 360 };
const RESOLUTION = 2; // bitmap costumes hold two pixels per stage pixel, as the editor's own

/** A picture's costume size: twice its own (shown at its own size), within twice the stage. */
export function costumeSize(width, height) {
  const scale = Math.min(RESOLUTION, (RESOLUTION * STAGE.width) / width, (RESOLUTION * STAGE.height) / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The project's classes, each with its pictures (unlabelled last), from the API's answers. */
export function picturesByClass(classes, samples, unlabelled) {
  const groups = [...classes]
    .sort((a, b) => a.position - b.position)
    .map((c) => ({ name: c.name, samples: samples.filter((s) => s.class_id === c.id) }));
  groups.push({ name: unlabelled, samples: samples.filter((s) => s.class_id == null) });
  return groups.filter((g) => g.samples.length);
}

async function costumeFrom(sample, name, storage) {
  const blob = await (await fetch(sample.image_url)).blob();
  const bitmap = await createImageBitmap(blob);
  const { width, height } = costumeSize(bitmap.width, bitmap.height);
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  const asset = storage.createAsset(storage.AssetType.ImageBitmap, storage.DataFormat.PNG, png, null, true);
  return {
    name,
    asset,
    assetId: asset.assetId,
    md5: `${asset.assetId}.png`,
    dataFormat: 'png',
    bitmapResolution: RESOLUTION,
    rotationCenterX: width / 2,
    rotationCenterY: height / 2,
  };
}

/**
 * Mount the library in `el` for project `projectId` (null: none, from a share page); `vm` is the
 * editor's VM. Resolves to how many pictures it offers (0 without a credential).
 */
export async function CostumeLibrary(el, { projectId, vm }) {
  const { token } = projectId ? projectCredential(projectId) : { token: null };
  if (!token) return 0;
  const api = createApi(projectId, token);
  const [project, page] = await Promise.all([api.getProject(), api.listSamples(null, MAX_PICTURES)]);
  const groups = picturesByClass(project.classes, page.samples, t('blocks.unlabelled'));
  const status = h('p', { class: 'hint', role: 'status' }, t('blocks.picturesHint'));

  async function add(sample, name) {
    const target = vm.editingTarget;
    try {
      const costume = await costumeFrom(sample, name, vm.runtime.storage);
      await vm.addCostume(costume.md5, costume, target.id);
      status.textContent = t(target.isStage ? 'blocks.backdropAdded' : 'blocks.costumeAdded', { name, sprite: target.getName() });
    } catch (error) {
      status.textContent = t('blocks.pictureFailed', { reason: error.message });
    }
  }

  el.append(
    h(
      'details',
      { class: 'blocks-pictures' },
      h('summary', {}, t('blocks.pictures', { count: page.samples.length })),
      h(
        'div',
        { class: 'blocks-pictures-panel' },
        status,
        ...groups.map((group) =>
          h(
            'section',
            {},
            h('h3', {}, group.name),
            ...group.samples.map((sample, index) => {
              const name = `${group.name} ${index + 1}`;
              return h(
                'button',
                { type: 'button', class: 'blocks-picture', title: t('blocks.addPicture', { name }), onclick: () => add(sample, name) },
                h('img', { src: sample.image_url, alt: name, loading: 'lazy', width: 56, height: 56 }),
              );
            }),
          ),
        ),
      ),
    ),
  );
  return page.samples.length;
}
