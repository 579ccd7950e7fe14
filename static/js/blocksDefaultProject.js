// The project the block editor starts with: a white backdrop and one round sprite of Snapclass's
// own (the editor's own default project has Scratch's cat, a trademark of the Scratch
// Foundation). Assets are named by the md5 of their bytes, as .sb3 files name them
// (static/js/tests/blocksDefaultProject.test.mjs checks the ids).
export const BACKDROP_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360" viewBox="0 0 480 360"><rect width="480" height="360" fill="#ffffff"/></svg>';
export const SPRITE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="80" viewBox="0 0 80 80"><circle cx="40" cy="40" r="36" fill="#2f6fb0" stroke="#245a91" stroke-width="4"/><circle cx="28" cy="34" r="6" fill="#fff"/><circle cx="52" cy="34" r="6" fill="#fff"/><path d="M26 52 Q40 62 54 52" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round"/></svg>';
export const BACKDROP_ID = 'ff3f2e0196df3c7d286c4c13e441b003';
export const SPRITE_ID = '2f5cd5315b698107051babf1607b6796';

function costume(name, assetId, centre) {
  const [rotationCenterX, rotationCenterY] = centre;
  return { name, assetId, dataFormat: 'svg', md5ext: `${assetId}.svg`, rotationCenterX, rotationCenterY, bitmapResolution: 1 };
}

function target(fields) {
  return { variables: {}, lists: {}, broadcasts: {}, blocks: {}, comments: {}, currentCostume: 0, sounds: [], volume: 100, layerOrder: 0, ...fields };
}

/** project.json of the starting project. */
export function defaultProject(spriteName) {
  return {
    targets: [
      target({ isStage: true, name: 'Stage', costumes: [costume('backdrop1', BACKDROP_ID, [240, 180])], tempo: 60, videoTransparency: 50, videoState: 'on', textToSpeechLanguage: null }),
      target({
        isStage: false,
        name: spriteName,
        costumes: [costume('costume1', SPRITE_ID, [40, 40])],
        layerOrder: 1,
        visible: true,
        x: 0,
        y: 0,
        size: 100,
        direction: 90,
        draggable: false,
        rotationStyle: 'all around',
      }),
    ],
    monitors: [],
    extensions: [],
    meta: { semver: '3.0.0', vm: '0.2.0', agent: '' },
  };
}

/** Put the starting project into the editor's storage as project '0', which it opens first. */
export function cacheDefaultProject(storage, spriteName) {
  const encode = (text) => new TextEncoder().encode(text);
  const { AssetType, DataFormat } = storage;
  storage.cache(AssetType.ImageVector, DataFormat.SVG, encode(BACKDROP_SVG), BACKDROP_ID);
  storage.cache(AssetType.ImageVector, DataFormat.SVG, encode(SPRITE_SVG), SPRITE_ID);
  storage.cache(AssetType.Project, DataFormat.JSON, encode(JSON.stringify(defaultProject(spriteName))), '0');
}
