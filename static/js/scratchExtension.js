// Snapclass's blocks for the block editor at /blocks/ (a Scratch 3 extension, registered with the
// editor's VM by blocksEditor.js): the class a Teachable Machine model sees in the camera, or in
// a costume or backdrop. The model comes from a Teachable Machine link (tmModel.js); its link is
// kept in the project as a stage comment (see modelComment), so a saved .sb3 loads it again.
import { t } from './strings.js';
import { topClass } from './tmModel.js';

export const EXTENSION_ID = 'snapclass';
// The stage comment that carries the model's link inside project.json
// (targets[0].comments[<id>].text): this first line, then the link on the second.
export const MODEL_COMMENT_HEADING = 'Snapclass model (Teachable Machine link):';
export const MODEL_COMMENT_ID = 'snapclass-model-link';
const FRAME = [480, 360]; // the size the editor's video provider gives frames in

/** The text of the stage comment that stores a model's link in the project. */
export function modelComment(link) {
  return `${MODEL_COMMENT_HEADING}\n${link}`;
}

/** The model link stored in a stage's comments ({id: {text}}), or null. */
export function modelLinkIn(comments) {
  for (const comment of Object.values(comments ?? {})) {
    const [heading, link] = String(comment?.text ?? '').split('\n');
    if (heading.trim() === MODEL_COMMENT_HEADING && link?.trim()) return link.trim();
  }
  return null;
}

/** The items of the class menu: the model's labels, or a hint while no model is loaded. */
export function classMenuItems(labels) {
  return labels.length ? labels.map((label) => ({ text: label, value: label })) : [{ text: t('blocks.noModel'), value: '' }];
}

/** A probability as the percentage the blocks report, to one decimal. */
export function percent(probability) {
  return Math.round(probability * 1000) / 10;
}

/** The extension's description for the VM: its blocks and menus, for a model's labels. */
export function blocksInfo(labels = []) {
  const CLASS = { type: 'string', menu: 'classes', defaultValue: labels[0] ?? '' };
  return {
    id: EXTENSION_ID,
    name: t('blocks.extensionName'),
    color1: '#2f6fb0',
    color2: '#245a91',
    color3: '#1b4470',
    blocks: [
      { opcode: 'whenCameraSees', blockType: 'hat', text: t('blocks.whenCameraSees'), arguments: { CLASS } },
      { opcode: 'classSeen', blockType: 'reporter', text: t('blocks.classSeen') },
      { opcode: 'confidenceOf', blockType: 'reporter', text: t('blocks.confidenceOf'), arguments: { CLASS } },
      {
        opcode: 'classifyPicture',
        blockType: 'reporter',
        text: t('blocks.classifyPicture'),
        arguments: { PICTURE: { type: 'string', menu: 'pictures', defaultValue: 'costume' } },
      },
      {
        opcode: 'setCamera',
        blockType: 'command',
        text: t('blocks.setCamera'),
        arguments: { STATE: { type: 'string', menu: 'cameraStates', defaultValue: 'on' } },
      },
    ],
    menus: {
      classes: { acceptReporters: true, items: 'classMenu' },
      pictures: {
        acceptReporters: false,
        items: [
          { text: t('blocks.costume'), value: 'costume' },
          { text: t('blocks.backdrop'), value: 'backdrop' },
        ],
      },
      cameraStates: {
        acceptReporters: false,
        items: [
          { text: t('blocks.on'), value: 'on' },
          { text: t('blocks.off'), value: 'off' },
        ],
      },
    },
  };
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('the picture could not be read'));
    image.src = url;
  });
}

/** The extension: runtime is the editor VM's runtime, model a loaded Teachable Machine model. */
export class SnapclassBlocks {
  constructor(runtime) {
    this.runtime = runtime;
    this.model = null;
    this.seen = null; // {label, confidence, probabilities} of the camera's latest frame
    this.cameraOn = false;
    this.predictions = 0; // camera frames classified since the page opened
  }

  getInfo() {
    return blocksInfo(this.model?.labels);
  }

  classMenu() {
    return classMenuItems(this.model?.labels ?? []);
  }

  setModel(model) {
    this.model = model;
    this.seen = null;
  }

  whenCameraSees({ CLASS }) {
    return this.seen !== null && this.seen.label === String(CLASS);
  }

  classSeen() {
    return this.seen?.label ?? '';
  }

  confidenceOf({ CLASS }) {
    const index = this.model?.labels.indexOf(String(CLASS)) ?? -1;
    if (!this.seen || index < 0) return 0;
    return percent(this.seen.probabilities[index]);
  }

  async classifyPicture({ PICTURE }, util) {
    if (!this.model) return '';
    const target = PICTURE === 'backdrop' ? this.runtime.getTargetForStage() : util.target;
    const costume = target.getCostumes()[target.currentCostume];
    const image = await loadImage(costume.asset.encodeDataURI());
    return topClass(this.model.labels, await this.model.classify(image)).label;
  }

  setCamera({ STATE }) {
    const video = this.runtime.ioDevices.video;
    if (STATE === 'off') {
      this.cameraOn = false;
      this.seen = null;
      video.disableVideo();
      return;
    }
    if (this.cameraOn) return;
    this.cameraOn = true;
    video.enableVideo();
    this.classifyCamera();
  }

  // Classifies the camera's frames one after another while the camera is on: as fast as the
  // model runs, one frame at a time.
  async classifyCamera() {
    const video = this.runtime.ioDevices.video;
    while (this.cameraOn) {
      const frame = this.model ? video.getFrame({ format: 'canvas', dimensions: FRAME, cacheTimeout: 0 }) : null;
      if (!frame) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      try {
        const probabilities = await this.model.classify(frame);
        if (this.cameraOn) this.seen = { ...topClass(this.model.labels, probabilities), probabilities };
        this.predictions += 1;
      } catch (error) {
        console.warn(`The camera's picture could not be classified: ${error.message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the editor draw
    }
  }
}
