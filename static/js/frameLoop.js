// Runs an async step again and again (the live preview: one prediction per frame) until stopped.
// "Wanted" and "running" are two facts: stop() only says the loop is no longer wanted, and the
// step in flight finishes; start() while that step is still in flight keeps the one loop going
// instead of starting a second one beside it (two loops would each take every frame).
export function createFrameLoop(step, { nextFrame = (done) => requestAnimationFrame(done), canRun = () => true } = {}) {
  let wanted = false;
  let running = null;

  async function run() {
    while (wanted && canRun()) {
      await step();
      if (wanted) await new Promise((resolve) => nextFrame(resolve));
    }
    wanted = false;
  }

  function start() {
    if (!canRun()) return;
    wanted = true;
    running ??= run().finally(() => {
      running = null;
    });
  }

  function stop() {
    wanted = false;
  }

  return { start, stop, wanted: () => wanted, running: () => running !== null };
}
