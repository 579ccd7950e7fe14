import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { costumeSize, picturesByClass } from '../blocksCostumes.js';
import { editorLocale, retitled } from '../blocksLanguage.js';

const SUPPORTED = ['en', 'fr', 'de', 'es', 'es-419', 'pt', 'pt-br', 'zh-cn', 'zh-tw'];

describe("the editor's language", () => {
  test("Snapclass's language when the editor has it, else its nearest", () => {
    assert.equal(editorLocale('fr', SUPPORTED), 'fr');
    assert.equal(editorLocale('pt-BR', SUPPORTED), 'pt-br');
    assert.equal(editorLocale('zh_TW', SUPPORTED), 'zh-tw');
    assert.equal(editorLocale('fr-CA', SUPPORTED), 'fr');
    assert.equal(editorLocale('zh', SUPPORTED), 'zh-cn');
  });

  test('English for a language the editor lacks, or none', () => {
    assert.equal(editorLocale('xx', SUPPORTED), 'en');
    assert.equal(editorLocale('', SUPPORTED), 'en');
    assert.equal(editorLocale(undefined, SUPPORTED), 'en');
  });
});

describe("a new project's title", () => {
  const names = { untitled: 'My project', editorDefaults: ['Scratch Project', 'Projet Scratch'] };

  test("the editor's default title, or none yet, becomes the model's name", () => {
    assert.equal(retitled('Scratch Project', { ...names, modelName: 'Shapes' }), 'Shapes');
    assert.equal(retitled('Projet Scratch', { ...names, modelName: 'Shapes' }), 'Shapes');
    assert.equal(retitled('', { ...names, modelName: 'Shapes' }), 'Shapes');
  });

  test('before a model loads it is untitled, and the model names it when it comes', () => {
    assert.equal(retitled('Scratch Project', { ...names, modelName: '' }), 'My project');
    assert.equal(retitled('My project', { ...names, modelName: 'Shapes' }), 'Shapes');
  });

  test('a title the student chose, or an opened file gave, is kept', () => {
    assert.equal(retitled('My game', { ...names, modelName: 'Shapes' }), null);
    assert.equal(retitled('Shapes', { ...names, modelName: 'Shapes' }), null);
  });
});

describe('pictures as costumes', () => {
  test('a picture is twice its size (shown at its own), within twice the stage', () => {
    assert.deepEqual(costumeSize(224, 224), { width: 448, height: 448 });
    assert.deepEqual(costumeSize(1920, 1080), { width: 960, height: 540 });
    assert.deepEqual(costumeSize(300, 1200), { width: 180, height: 720 });
  });

  test('grouped by class in the classes order, unlabelled last, empty groups left out', () => {
    const classes = [
      { id: 'b', name: 'Dogs', position: 1 },
      { id: 'a', name: 'Cats', position: 0 },
      { id: 'c', name: 'Birds', position: 2 },
    ];
    const samples = [
      { id: 1, class_id: 'b' },
      { id: 2, class_id: null },
      { id: 3, class_id: 'a' },
      { id: 4, class_id: 'b' },
    ];
    const groups = picturesByClass(classes, samples, 'Unlabelled');
    assert.deepEqual(
      groups.map((g) => [g.name, g.samples.map((s) => s.id)]),
      [
        ['Cats', [3]],
        ['Dogs', [1, 4]],
        ['Unlabelled', [2]],
      ],
    );
  });
});
