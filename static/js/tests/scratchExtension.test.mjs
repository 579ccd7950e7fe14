import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';

import { BACKDROP_ID, BACKDROP_SVG, SPRITE_ID, SPRITE_SVG, defaultProject } from '../blocksDefaultProject.js';
import { EXTENSION_ID, SnapclassBlocks, blocksInfo, classMenuItems, modelComment, modelLinkIn, percent } from '../scratchExtension.js';
import { blocksEditorUrl, centreSquare, labelsOf, modelFolder, shareTeachableMachineLink, topClass } from '../tmModel.js';

const LINK = 'http://school.local:5000/s/abc/tm/';

describe('the model link inside a project', () => {
  test('a stage comment written for a link gives the link back', () => {
    assert.equal(modelLinkIn({ a: { text: 'my notes' }, b: { text: modelComment(LINK) } }), LINK);
  });

  test('a project without the comment has no link', () => {
    assert.equal(modelLinkIn({ a: { text: 'my notes\nhttp://elsewhere/' } }), null);
    assert.equal(modelLinkIn(undefined), null);
  });
});

describe('Teachable Machine links', () => {
  test('the folder of a link, given the folder or its model.json', () => {
    assert.equal(modelFolder('https://teachablemachine.withgoogle.com/models/xYz1'), 'https://teachablemachine.withgoogle.com/models/xYz1/');
    assert.equal(modelFolder(`${LINK}model.json`), LINK);
    assert.equal(modelFolder(`${LINK}metadata.json#x`), LINK);
  });

  test("a share page's link and the editor's address that loads it", () => {
    const link = shareTeachableMachineLink('http://school.local:5000/s/abc');
    assert.equal(link, LINK);
    const url = new URL(blocksEditorUrl(link), 'http://school.local:5000');
    assert.equal(url.pathname, '/blocks/');
    assert.equal(new URLSearchParams(url.hash.slice(1)).get('model'), LINK);
  });

  test('anything but a web address is refused', () => {
    assert.throws(() => modelFolder('javascript:alert(1)'), /not a web address/);
    assert.throws(() => modelFolder('not a link'));
  });

  test('labels must match the outputs of the model', () => {
    assert.deepEqual(labelsOf({ labels: ['a', 'b'] }, 2), ['a', 'b']);
    assert.throws(() => labelsOf({ labels: ['a', 'b'] }, 3), /2 classes, the model has 3 outputs/);
    assert.throws(() => labelsOf({}, 2), /no labels/);
  });

  test('a picture is cropped to its centre square', () => {
    assert.deepEqual(centreSquare(640, 480), { sx: 80, sy: 0, side: 480 });
    assert.deepEqual(centreSquare(300, 500), { sx: 0, sy: 100, side: 300 });
  });

  test('the top class of a prediction', () => {
    assert.deepEqual(topClass(['a', 'b', 'c'], [0.2, 0.7, 0.1]), { label: 'b', confidence: 0.7 });
  });
});

describe('the blocks', () => {
  test('the five blocks, with the class menu defaulting to the first class', () => {
    const info = blocksInfo(['cat', 'dog']);
    assert.equal(info.id, EXTENSION_ID);
    assert.deepEqual(
      info.blocks.map((b) => [b.opcode, b.blockType]),
      [
        ['whenCameraSees', 'hat'],
        ['classSeen', 'reporter'],
        ['confidenceOf', 'reporter'],
        ['classifyPicture', 'reporter'],
        ['setCamera', 'command'],
      ],
    );
    assert.equal(info.blocks[0].arguments.CLASS.defaultValue, 'cat');
    assert.equal(info.menus.classes.items, 'classMenu');
  });

  test('the class menu lists the labels, or says there is no model', () => {
    assert.deepEqual(classMenuItems(['cat']), [{ text: 'cat', value: 'cat' }]);
    assert.deepEqual(classMenuItems([]), [{ text: '(no model)', value: '' }]);
  });

  test('what the camera sees answers the blocks', () => {
    const blocks = new SnapclassBlocks({});
    blocks.setModel({ labels: ['cat', 'dog'] });
    assert.equal(blocks.whenCameraSees({ CLASS: 'dog' }), false);
    assert.equal(blocks.classSeen(), '');
    assert.equal(blocks.confidenceOf({ CLASS: 'dog' }), 0);
    blocks.seen = { label: 'dog', confidence: 0.8765, probabilities: [0.1235, 0.8765] };
    assert.equal(blocks.whenCameraSees({ CLASS: 'dog' }), true);
    assert.equal(blocks.whenCameraSees({ CLASS: 'cat' }), false);
    assert.equal(blocks.classSeen(), 'dog');
    assert.equal(blocks.confidenceOf({ CLASS: 'cat' }), 12.4);
    assert.equal(blocks.confidenceOf({ CLASS: 'bird' }), 0);
    assert.deepEqual(blocks.classMenu().map((item) => item.value), ['cat', 'dog']);
  });

  test('turning the camera off forgets what it saw', () => {
    const calls = [];
    const video = { enableVideo: () => calls.push('on'), disableVideo: () => calls.push('off') };
    const blocks = new SnapclassBlocks({ ioDevices: { video } });
    blocks.seen = { label: 'dog', probabilities: [0, 1] };
    blocks.setCamera({ STATE: 'off' });
    assert.deepEqual(calls, ['off']);
    assert.equal(blocks.classSeen(), '');
  });

  test('percentages to one decimal', () => {
    assert.equal(percent(0.98765), 98.8);
  });
});

describe('the starting project', () => {
  test('its assets are named by the md5 of their bytes, as in an .sb3', () => {
    const md5 = (text) => createHash('md5').update(text).digest('hex');
    assert.equal(md5(BACKDROP_SVG), BACKDROP_ID);
    assert.equal(md5(SPRITE_SVG), SPRITE_ID);
    const project = defaultProject('Sprite1');
    assert.deepEqual(project.targets.map((target) => target.costumes[0].assetId), [BACKDROP_ID, SPRITE_ID]);
  });
});
