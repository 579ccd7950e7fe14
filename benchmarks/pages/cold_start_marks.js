// Injected by benchmarks/share_cold_start.py before the share page's own scripts run (an init
// script, which the page's CSP does not govern): notes on the page's own clock (ms since
// navigation start) when the model is ready (share.js sets body[data-backend]), when a picture
// is chosen, and when its prediction is shown (PreviewPanel sets data-predicted-for).
(() => {
  const marks = {};
  window.__coldStart = marks;
  const note = (name) => {
    if (!(name in marks)) marks[name] = performance.now();
  };
  new MutationObserver(() => {
    if (document.body?.dataset.backend) note('ready');
    if (document.querySelector('.preview-panel')?.dataset.predictedFor) note('predicted');
  }).observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener(
    'change',
    (event) => event.target.matches?.('input[type=file]') && note('picture'),
    true,
  );
})();
