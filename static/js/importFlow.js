// What a page does when its ImportProject sends 'import-project' up: import the file with
// importFile(file) (the page's own API call, with its credential), then open the new project at
// linkTo(project); when files were left out, say which first and let the student open it.
export function runImports(importEl, importer, { importFile, linkTo }) {
  importEl.addEventListener('import-project', async ({ detail: { file } }) => {
    importer.update({ importing: true });
    try {
      const project = await importFile(file);
      const link = linkTo(project);
      if (!project.imported.skipped_count) location.assign(link);
      else importer.update({ imported: { project, link } });
    } catch (error) {
      importer.update({ error: error.message });
    }
  });
}
