import { describe, expect, it } from 'vitest';
import { createProgress, type ProgressSnapshot } from '../../src/demo/progress.ts';

const snap = (elapsedSec: number, sent: number): ProgressSnapshot => ({ elapsedSec, durationSec: 60, sent, accepted: sent, duplicates: 0, retries: 0 });

describe('progress', () => {
  it('redraws one line on a terminal, at most every 100 ms, and ends it with a newline', () => {
    let t = 0;
    const out: string[] = [];
    const p = createProgress({ write: (s) => out.push(s), tty: true, label: 'normal', now: () => t });
    p.update(snap(1, 20));
    t = 50;
    p.update(snap(1.05, 21));
    t = 150;
    p.update(snap(1.15, 23));
    p.done(snap(2, 40));
    expect(out).toEqual([
      '\r\x1b[2Kdemo normal 1.0/60s  sent 20 (20.0/s)  accepted 20  duplicates 0  retries 0',
      '\r\x1b[2Kdemo normal 1.1/60s  sent 23 (20.0/s)  accepted 23  duplicates 0  retries 0',
      '\r\x1b[2Kdemo normal 2.0/60s  sent 40 (20.0/s)  accepted 40  duplicates 0  retries 0\n',
    ]);
  });

  it('writes plain lines every interval elsewhere (logs, compose)', () => {
    let t = 0;
    const out: string[] = [];
    const p = createProgress({ write: (s) => out.push(s), tty: false, label: 'incident', intervalSec: 5, now: () => t });
    for (t = 0; t <= 12_000; t += 250) p.update({ ...snap(t / 1000, t / 50), durationSec: 0 });
    expect(out).toEqual([
      'demo incident 0.0s  sent 0 (0.0/s)  accepted 0  duplicates 0  retries 0\n',
      'demo incident 5.0s  sent 100 (20.0/s)  accepted 100  duplicates 0  retries 0\n',
      'demo incident 10.0s  sent 200 (20.0/s)  accepted 200  duplicates 0  retries 0\n',
    ]);
    expect(out.some((line) => line.includes('\r'))).toBe(false);
  });
});
