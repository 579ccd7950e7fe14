// Drawing the studio: at most once per animation frame, and in a hidden tab (no frames) within a
// quarter second. A slow drawing (thousands of pictures arriving) spaces out the next ones, so
// drawing takes at most about a fifth of the page's time and the rest goes to arriving pages and
// clicks. The clock and timers are the page's unless given (tests pass their own).
export const HIDDEN_TAB_MS = 250;

export function createRenderScheduler(draw, { requestFrame = (f) => requestAnimationFrame(f), setTimer = (f, ms) => setTimeout(f, ms), now = () => performance.now() } = {}) {
  let queued = false;
  let nextAt = 0;

  // Draws now, whether asked for or not; what was asked for is then done.
  function render() {
    queued = false;
    const began = now();
    try {
      draw();
    } finally {
      const ended = now();
      nextAt = ended + 4 * (ended - began);
    }
  }

  function schedule() {
    if (queued) return;
    queued = true;
    const once = () => {
      if (queued) render();
    };
    const queue = () => {
      requestFrame(once);
      setTimer(once, HIDDEN_TAB_MS);
    };
    const wait = nextAt - now();
    if (wait > 0) setTimer(queue, wait);
    else queue();
  }

  return { schedule, render };
}
