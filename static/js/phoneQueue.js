// A paired phone's pictures: each kept on the phone (devicePictures.js, under its pairing) the
// moment it is taken, sent oldest first, deleted from the phone once the server has it. Sending
// stops at the first failure: the server could not be reached (uploadRules.js 'retry': tried
// again after RETRY_MS, and at once when the page opens again), the pairing ended ('gone': every
// picture waiting for it is deleted, never sent), or this picture was refused (dropped, said).
//
// device: {keep(blob) -> id, waiting() -> [{id, blob}], saved(id), forget()}; send(blob): the
// upload; onChange({sent, waiting, ended, refused, full, lost}); setTimer(fn, ms) for the retry.
// `full`: the phone could not keep a picture (its storage is full), which then went from the
// page alone; `lost`: how many of those the server did not get either.
import { uploadOutcome } from './uploadRules.js';

export const RETRY_MS = 3000;

export function createPhoneQueue({ device, send, onChange, setTimer = setTimeout }) {
  const status = { sent: 0, waiting: 0, ended: false, refused: null, full: false, lost: 0 };
  let sending = null;
  let retry = null;

  const changed = (changes) => {
    Object.assign(status, changes);
    onChange({ ...status });
  };

  // A picture taken: kept, then sent with those before it. Where the phone cannot keep it (its
  // storage is full) it is sent from the page alone.
  async function add(blob) {
    try {
      await device.keep(blob);
    } catch {
      changed({ full: true });
      return sendUnkept(blob);
    }
    changed({ waiting: status.waiting + 1 });
    return drain();
  }

  async function sendUnkept(blob) {
    try {
      await send(blob);
      changed({ sent: status.sent + 1 });
    } catch (error) {
      if (uploadOutcome(error) === 'gone') changed({ ended: true });
      else changed({ lost: status.lost + 1, refused: uploadOutcome(error) === 'refused' ? error.message : status.refused });
    }
  }

  function drain() {
    sending ??= sendWaiting().finally(() => {
      sending = null;
    });
    return sending;
  }

  async function sendWaiting() {
    const records = await device.waiting();
    changed({ waiting: records.length });
    for (const [index, record] of records.entries()) {
      try {
        await send(record.blob);
      } catch (error) {
        if (failed(error, records.slice(index))) return;
        await device.saved(record.id);
        changed({ waiting: status.waiting - 1 });
        continue;
      }
      await device.saved(record.id);
      changed({ sent: status.sent + 1, waiting: status.waiting - 1 });
    }
  }

  // Whether sending stops here (the picture stays, or all were forgotten).
  function failed(error, left) {
    const outcome = uploadOutcome(error);
    if (outcome === 'retry') {
      if (left.length && !retry) {
        retry = setTimer(() => {
          retry = null;
          drain();
        }, RETRY_MS);
      }
      return true;
    }
    if (outcome === 'gone') {
      device.forget().then(() => changed({ waiting: 0, ended: true }));
      return true;
    }
    changed({ refused: error.message });
    return false;
  }

  return { add, resume: drain, status: () => ({ ...status }) };
}
