// Start a project from a zip: one folder of pictures per class (or a project Snapclass exported),
// or a Teachable Machine project file (.tm).
// The chosen file goes up ('import-project' with {file}); update() shows how the import went:
// {importing} while it runs, then {imported: {project, link}} when files were left out (the page
// opens a clean import itself), or {error}.
import { emit, h } from '../dom.js';
import { t } from '../strings.js';

export function ImportProject(el) {
  el.classList.add('import-project');
  const file = h('input', { type: 'file', accept: '.zip,.tm,application/zip', id: 'import-project-file', hidden: true });
  const button = h('button', { type: 'button', onclick: () => file.click() }, t('importProjectButton'));
  const status = h('div', { class: 'import-status', role: 'status' });
  el.append(h('p', {}, t('importProjectLabel')), h('div', { class: 'row' }, button, file), status);

  file.addEventListener('change', () => {
    const [zip] = file.files;
    file.value = '';
    if (zip) emit(el, 'import-project', { file: zip });
  });

  function update({ importing = false, imported = null, error = null }) {
    button.disabled = importing;
    if (importing) status.replaceChildren(t('importing'));
    else if (error) status.replaceChildren(h('p', { class: 'form-error' }, t('error', { reason: error })));
    else if (imported) {
      // Say which files were left out before leaving the page.
      const { skipped, skipped_count: count, samples, classes } = imported.project.imported;
      status.replaceChildren(
        h('p', {}, t('importSkipped', { samples, classes, count })),
        h('ul', { class: 'skipped-files' }, ...skipped.map((s) => h('li', {}, `${s.file}: ${s.reason}`))),
        h('a', { href: imported.link }, t('openImportedProject')),
      );
    } else status.replaceChildren();
  }

  return { update };
}
