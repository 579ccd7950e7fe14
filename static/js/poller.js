// Asking the server again and again: `tick` runs every `intervalMs` (after the last one ended)
// while it resolves true; start() (re)starts the round, stop() ends it. The studio follows a
// fine-tuning job and the classes paired with phones this way.
export function createPoller(tick, intervalMs, { setTimer = (f, ms) => setTimeout(f, ms), clearTimer = (id) => clearTimeout(id) } = {}) {
  let timer = null;
  let round = 0; // a tick of a stopped or restarted round schedules nothing

  function start() {
    stop();
    const mine = round;
    timer = setTimer(async () => {
      timer = null;
      let again = false;
      try {
        again = await tick();
      } catch {
        again = true; // a network hiccup: the next tick asks again
      }
      if (again && mine === round) start();
    }, intervalMs);
  }

  function stop() {
    round += 1;
    if (timer !== null) clearTimer(timer);
    timer = null;
  }

  return { start, stop, get running() {
    return timer !== null;
  } };
}
