// Start a project from a zip: one folder of pictures per class (or a project Snapclass exported),
// or a Teachable Machine project file (.tm).
import { importProject } from '../api.js';
import { h } from '../dom.js';
import { editLink, rememberProject } from '../projects.js';
import { t } from '../strings.js';

// The new project's edit link, remembered on this computer like a project made here.
function ownersLink(project) {
  rememberProject({ id: project.id, title: project.title, ownerToken: project.owner_token });
  return editLink(project.id, project.owner_token);
}

// importFile(file) -> the new project; linkTo(project) -> the studio URL that opens it (a
// classroom student's page sends its own token and opens it with the student link).
export function ImportProject(el, { importFile = importProject, linkTo = ownersLink } = {}) {
  el.classList.add('import-project');
  const file = h('input', { type: 'file', accept: '.zip,.tm,application/zip', id: 'import-project-file', hidden: true });
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
      const project = await importFile(zip);
      const link = linkTo(project);
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
