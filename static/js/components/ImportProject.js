// Start a project from a zip: one folder of pictures per class (or a project Snapclass exported).
import { importProject } from '../api.js';
import { h } from '../dom.js';
import { editLink, rememberProject } from '../projects.js';
import { t } from '../strings.js';

export function ImportProject(el) {
  el.classList.add('import-project');
  const file = h('input', { type: 'file', accept: '.zip,application/zip', id: 'import-project-file', hidden: true });
  const button = h('button', { type: 'button', onclick: () => file.click() }, t('importProjectButton'));
  const status = h('div', { class: 'import-status', role: 'status' });
  el.append(h('p', {}, t('importProjectLabel')), h('div', { class: 'row' }, button, file), status);

  file.addEventListener('change', async () => {
    const [zip] = file.files;
    file.value = '';
    if (!zip) return;
    button.disabled = true;
    status.replaceChildren(t('importing'));
    try {
      const project = await importProject(zip);
      rememberProject({ id: project.id, title: project.title, ownerToken: project.owner_token });
      const link = editLink(project.id, project.owner_token);
      const { skipped, skipped_count: count, samples, classes } = project.imported;
      if (!count) {
        location.assign(link);
        return;
      }
      // Say which files were left out before leaving the page.
      status.replaceChildren(
        h('p', {}, t('importSkipped', { samples, classes, count })),
        h('ul', { class: 'skipped-files' }, ...skipped.map((s) => h('li', {}, `${s.file}: ${s.reason}`))),
        h('a', { href: link }, t('openImportedProject')),
      );
    } catch (error) {
      status.replaceChildren(h('p', { class: 'form-error' }, t('error', { reason: error.message })));
    } finally {
      button.disabled = false;
    }
  });
}
