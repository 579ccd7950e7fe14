// The Web Worker behind the map's UMAP option: the page sends the rows once, gets {type:
// 'progress', done, total} as the epochs go, then {type: 'done', points}, its buffer moved, not
// copied. UMAP's neighbour search over 2,000 pictures takes seconds, which the page must not
// spend.
import { importUmd, umap2dSteps } from './umapLayout.js';

addEventListener('message', async ({ data: { umapUrl, rows, count, dim, seed } }) => {
  try {
    const { UMAP } = await importUmd(umapUrl);
    const steps = umap2dSteps(UMAP, rows, count, dim, { seed });
    let next = steps.next();
    while (!next.done) {
      postMessage({ type: 'progress', ...next.value });
      next = steps.next();
    }
    const { points } = next.value;
    postMessage({ type: 'done', points }, [points.buffer]);
  } catch (error) {
    postMessage({ type: 'failed', error: error.message });
  }
});
