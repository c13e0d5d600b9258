// The terminal summary: a few lines a person reads after a fuzz run, safe for the terminal.
import { describe, expect, it } from 'vitest';
import { summarizeTrace, summarizeVerdict, terminalSafe } from '../../reports/terminal-summary.ts';
import { acks1LossTrace } from '../fixtures/traces/acks1-loss.ts';
import { registerHistory } from './register-history.ts';

describe('summarizeTrace', () => {
  it('gives the verdict, the anomaly, the lost record, the command and the report in a few lines', () => {
    const text = summarizeTrace(acks1LossTrace(), { reportPath: 'gregor-out/acks1-42.html' });
    expect(text.split('\n')).toEqual([
      '✗ VIOLATION lost-write — acks1-leader-crash, variant acks=1, seed 42',
      '  The send of "v3" was acknowledged at offset 3 of t-0, but the final read finds "v4" there and "v3" nowhere.',
      '  lost record: "v3" (t-0 offset 3) was acknowledged at 4.040000 s with 1 of 3 copies (acks=1, HW 3, not ' +
        'committed) and lost at 20.350000 s when broker 1 truncated its last copy (diverging-epoch).',
      '  reproduce: npm run fuzz -- --scenario acks1-leader-crash --variant acks=1 --seed 42',
      '  also: acked-durable',
      '  report: gregor-out/acks1-42.html',
    ]);
  });

  it('colours only when asked', () => {
    expect(summarizeTrace(acks1LossTrace())).not.toContain('\u001b');
    expect(summarizeTrace(acks1LossTrace(), { color: true })).toContain('\u001b[1;31m✗ VIOLATION\u001b[0m');
  });

  it('never lets a record value drive the terminal', () => {
    const text = summarizeTrace(acks1LossTrace({ lostValue: 'x\u001b[2J\u009b31m\u202eevil\r' }));
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain('\\u009b31m\\u202eevil');
  });

  it('is one line for a valid run', () => {
    const valid = acks1LossTrace();
    valid.verdict = { valid: true, checker: 'all', anomalies: [] };
    expect(summarizeTrace(valid).split('\n')[0]).toBe('✓ valid — acks1-leader-crash, variant acks=1, seed 42');
  });
});

describe('summarizeVerdict', () => {
  it('describes a linearizability counterexample', () => {
    const { verdict } = registerHistory();
    expect(summarizeVerdict(verdict, 'reg.jsonl').split('\n')).toEqual([
      '✗ VIOLATION nonlinearizable — reg.jsonl',
      '  Process 1 read 2 at 20–30 µs, before any write of it began.',
      '  cannot place the operation at history index 2 after a linearizable prefix of 1: read returned 2 but the ' +
        'register holds 1',
    ]);
  });
  it('escapes control characters but keeps other text', () => {
    expect(terminalSafe('a\tb\u0007c ünï')).toBe('a\\u0009b\\u0007c ünï');
  });
});
