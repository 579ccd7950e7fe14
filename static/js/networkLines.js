// What the studio says about its picture networks, as {key, params} for strings.js's t(): which
// network a project uses and why (BackboneChoice), and where a fine-tuning job trains
// (FinetunePanel).

// The one line that says which image model the project uses and why: {key, params} for t(),
// or null when the project's backbone is none of the choices.
export function backboneInUse(choices, chosen) {
  const choice = choices.find((c) => c.id === chosen);
  return choice ? { key: `backboneInUse.${choice.kind}`, params: { name: choice.architecture, megabytes: choice.megabytes.toFixed(1) } } : null;
}

// Where a fine-tuning job trains, as its reports say (its model's metrics once done): {key,
// params} for t(), or null before the server has said. On a CPU, while it trains, about how many
// minutes are left at the speed measured so far (the runs still to come counted at this run's
// size; loading and packing the model not counted).
export function finetuneDevice(job) {
  const p = job?.progress ?? {};
  const device = p.device ?? job?.model?.metrics?.device;
  if (device === 'gpu') return { key: 'finetuneDevice.gpu', params: {} };
  if (device !== 'cpu') return null;
  const active = job.state === 'running' && p.phase === 'training' && p.images_per_second > 0;
  if (!active) return { key: 'finetuneDevice.cpu', params: {} };
  const stepsLeft = (p.epochs - p.epoch) * p.steps + (p.steps - p.step) + (p.runs - p.run) * p.epochs * p.steps;
  const minutes = Math.max(1, Math.ceil((stepsLeft * p.batch_size) / p.images_per_second / 60));
  return { key: 'finetuneDevice.cpuMinutes', params: { minutes } };
}
