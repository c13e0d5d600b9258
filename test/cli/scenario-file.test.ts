// Scenarios in files (issue 11): `npm run fuzz -- --scenario-file FILE.json` as a user types
// it, the documented example (docs/readme-fuzz.md) as a fixture that runs, `--print` writing
// a scenario's drawn input as such a file (which then runs to the same event hash), the
// shape knobs, and every kind of bad file or flag: one stderr line naming the JSON path and
// what was expected, exit 2, nothing written.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, lastJson } from './helpers.ts';
import { FAULT_KINDS, TRIGGER_PROBES, type Fault } from '../../scenarios/faults.ts';
import { overrideShape, type ScenarioInput } from '../../scenarios/input.ts';
import { parseScenarioInput } from '../../scenarios/schema.ts';
import { USAGE } from '../../cli/fuzz.ts';
import type { CampaignSummary } from '../../campaign/summary.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gregor-scenfile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(tmp, `d${n++}`);
const EXAMPLE = join(ROOT, 'test/cli/fixtures/scenario-file-example.json');

/** `npm run -s fuzz -- ARGS`, as a user types it. */
function fuzz(args: readonly string[]) {
  const r = spawnSync('npm', ['run', '-s', 'fuzz', '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeJson(value: unknown): string {
  const path = join(tmp, `f${n++}.json`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

/** The example as raw JSON, for edits a ScenarioInput could not hold. */
const raw = (): unknown => JSON.parse(readFileSync(EXAMPLE, 'utf8'));

/** The example as a validated ScenarioInput. */
function example(): ScenarioInput {
  const r = parseScenarioInput(raw());
  if (!r.ok) throw new Error(r.reason);
  return r.input;
}

/** Sets (or, with undefined, deletes) the field at a JSON path. */
function setAt(root: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return root;
}

describe('the documented example', () => {
  it('is the JSON block of docs/readme-fuzz.md, byte for byte', () => {
    const doc = readFileSync(join(ROOT, 'docs/readme-fuzz.md'), 'utf8');
    const m = /<!-- scenario-file-example -->\n```json\n([\s\S]*?)```/.exec(doc);
    expect(m).not.toBeNull();
    expect(m?.[1]).toBe(readFileSync(EXAMPLE, 'utf8'));
  });

  it('runs: every seed the same input, exit 0, recorded under the file name', () => {
    const out = fresh();
    const r = fuzz(['--scenario-file', EXAMPLE, '--seeds', '2', '--base-seed', '1', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const s = lastJson<CampaignSummary>(r.stdout);
    expect(s.scenario).toBe('scenario-file-example');
    expect(s.seeds).toBe(2);
    const lines = readFileSync(join(out, 'seeds.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { faults: number; faultsFired: number; hash: string });
    expect(lines.map((l) => l.faults)).toEqual([5, 5]);
    expect(lines[0].faultsFired).toBe(5);
    expect(lines[0].hash).not.toBe(lines[1].hash); // the seed drives the simulation's randomness
  });
});

describe('--print', () => {
  it('writes a drawn input as a file that --scenario-file runs to the same event hash', () => {
    const printed = fuzz(['--scenario', 'leader-failover', '--seed', '3', '--print']);
    expect(printed.code).toBe(0);
    const file = writeJson(printed.stdout);
    expect(parseScenarioInput(JSON.parse(printed.stdout)).ok).toBe(true);
    const a = fuzz(['--scenario', 'leader-failover', '--seed', '3', '--out', fresh(), '--json']);
    const b = fuzz(['--scenario-file', file, '--seed', '3', '--out', fresh(), '--json']);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(lastJson<CampaignSummary>(b.stdout).digest).toBe(lastJson<CampaignSummary>(a.stdout).digest);
  });

  it('lays the knobs over the drawn shape', () => {
    const r = fuzz([
      '--scenario',
      'swarm',
      '--seed',
      '8',
      '--brokers',
      '5',
      '--replication-factor',
      '4',
      '--min-insync',
      '3',
      '--partitions',
      '2',
      '--print',
    ]);
    expect(r.code).toBe(0);
    const input = JSON.parse(r.stdout) as ScenarioInput;
    expect(input.shape).toMatchObject({ brokers: 5, replicationFactor: 4, minInsync: 3, partitions: 2 });
  });

  it('the usage names the new flags', () => {
    for (const flag of [
      '--scenario-file',
      '--print',
      '--brokers',
      '--replication-factor',
      '--min-insync',
      '--partitions',
    ])
      expect(USAGE).toContain(flag);
  });
});

describe('the shape knobs', () => {
  it('run a named scenario on the overridden shape', () => {
    const out = fresh();
    const r = fuzz([
      '--scenario',
      'leader-failover',
      '--brokers',
      '5',
      '--partitions',
      '2',
      '--seeds',
      '2',
      '--base-seed',
      '1',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(lastJson<CampaignSummary>(r.stdout).seeds).toBe(2);
  });

  it('drop faults that name a broker beyond the shape and clamp partitions beyond it', () => {
    const base = example();
    const faults: Fault[] = base.faults;
    const input: ScenarioInput = {
      ...base,
      shape: { ...base.shape, brokers: 5, replicationFactor: 3, partitions: 3 },
      faults: [
        { ...faults[0], action: { kind: 'crash', target: { kind: 'broker', id: 5 }, downMs: 1000 } },
        { ...faults[0], action: { kind: 'crash', target: { kind: 'follower', partition: 2, index: 0 }, downMs: 1000 } },
        {
          ...faults[3],
          action: {
            kind: 'power-loss',
            targets: [
              { kind: 'broker', id: 1 },
              { kind: 'broker', id: 4 },
            ],
            downMs: 1,
            tornTail: false,
          },
        },
      ],
    };
    const o = overrideShape(input, { brokers: 3, partitions: 2 });
    expect(o.shape).toMatchObject({ brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 2 });
    expect(o.faults).toHaveLength(1);
    expect(o.faults[0].action).toEqual({
      kind: 'crash',
      target: { kind: 'follower', partition: 1, index: 0 },
      downMs: 1000,
    });
    expect(o.faults[0].trigger).toMatchObject({ kind: 'on', event: { partition: 0 } });
    expect(parseScenarioInput(JSON.parse(JSON.stringify(o))).ok).toBe(true);
  });

  it('fit drawn values around the given ones', () => {
    const base = example();
    expect(overrideShape(base, { brokers: 2 }).shape).toMatchObject({ brokers: 2, replicationFactor: 2, minInsync: 2 });
    expect(overrideShape(base, { replicationFactor: 5 }).shape).toMatchObject({
      brokers: 5,
      replicationFactor: 5,
      minInsync: 2,
    });
    expect(overrideShape(base, { minInsync: 1 }).shape).toMatchObject({
      brokers: 3,
      replicationFactor: 3,
      minInsync: 1,
    });
  });
});

describe('bad files and flags: one line naming the path, exit 2, nothing written', () => {
  const edit = (path: ReadonlyArray<string | number>, value: unknown) => writeJson(setAt(raw(), path, value));
  const cases: Array<[string, () => string[], RegExp]> = [
    [
      'an unknown fault kind',
      () => ['--scenario-file', edit(['faults', 0, 'action', 'kind'], 'explode')],
      /faults\[0\]\.action\.kind: expected kind to be one of crash, restart, .*got "explode"/,
    ],
    [
      'an unknown trigger kind',
      () => ['--scenario-file', edit(['faults', 2, 'trigger', 'kind'], 'soon')],
      /faults\[2\]\.trigger\.kind: expected kind to be one of at, on, after, got "soon"/,
    ],
    [
      'an unknown probe',
      () => ['--scenario-file', edit(['faults', 0, 'trigger', 'event', 'probe'], 'ack')],
      /faults\[0\]\.trigger\.event\.probe: expected one of produce-ack/,
    ],
    [
      'a misspelt Kafka setting',
      () => ['--scenario-file', edit(['shape', 'timing', 'replica.lag.max.ms'], 1)],
      /shape\.timing: unexpected field "replica\.lag\.max\.ms"/,
    ],
    [
      'a missing workload',
      () => ['--scenario-file', edit(['workload'], undefined)],
      /workload: missing \(expected object\)/,
    ],
    [
      'a string for a number',
      () => ['--scenario-file', edit(['shape', 'brokers'], '3')],
      /shape\.brokers: .*expected number/,
    ],
    [
      'a broker beyond the shape',
      () => ['--scenario-file', edit(['faults', 2, 'action', 'target', 'id'], 4)],
      /faults\[2\]\.action\.target\.id: expected a broker id 1\.\.3, got 4/,
    ],
    [
      'a replication factor above the brokers',
      () => ['--scenario-file', edit(['shape', 'replicationFactor'], 4)],
      /shape\.replicationFactor: expected at most brokers \(3\), got 4/,
    ],
    ['not JSON', () => ['--scenario-file', writeJson('{ "shape": ')], /is not JSON/],
    ['a missing file', () => ['--scenario-file', join(tmp, 'nope.json')], /cannot read .*nope\.json: ENOENT/],
    ['--scenario and --scenario-file', () => ['--scenario', 'swarm', '--scenario-file', EXAMPLE], /not both/],
    ['a knob with --scenario-file', () => ['--scenario-file', EXAMPLE, '--brokers', '5'], /edit the file's shape/],
    [
      '--replication-factor above --brokers',
      () => ['--brokers', '2', '--replication-factor', '3'],
      /--replication-factor 3 exceeds --brokers 2/,
    ],
    [
      '--min-insync above --replication-factor',
      () => ['--replication-factor', '2', '--min-insync', '3'],
      /--min-insync 3 exceeds --replication-factor 2/,
    ],
    ['--brokers 10', () => ['--brokers', '10'], /--brokers must be between 1 and 9/],
    ['--print with --seeds', () => ['--print', '--seeds', '3'], /--seeds does not apply/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const out = fresh();
      const r = fuzz([...args(), '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe('the schema covers the vocabulary of scenarios/faults.ts', () => {
  it('every fault kind and every probe is accepted', () => {
    const x = example();
    const actions: Record<(typeof FAULT_KINDS)[number], unknown> = {
      crash: { kind: 'crash', target: { kind: 'leader', partition: 0 }, downMs: 1 },
      restart: { kind: 'restart', target: { kind: 'out-of-isr', partition: 1, index: 2 }, downMs: 1 },
      'power-loss': { kind: 'power-loss', targets: [{ kind: 'subject', index: 1 }], downMs: 1, tornTail: false },
      'controller-power-loss': { kind: 'controller-power-loss', downMs: 1, tornTail: true },
      cut: {
        kind: 'cut',
        cut: { shape: 'one-way', from: [{ kind: 'controller' }], to: [{ kind: 'producer', index: 0 }] },
        durationMs: 1,
      },
      slow: {
        kind: 'slow',
        target: { kind: 'consumer', index: 0 },
        peer: { kind: 'broker', id: 1 },
        extraMs: 1,
        durationMs: 1,
      },
      'controller-crash': { kind: 'controller-crash', downMs: 1 },
      'rolling-restart': { kind: 'rolling-restart', downMs: 1, gapMs: 1 },
      pause: { kind: 'pause', target: { kind: 'follower', partition: 1, index: 0 }, durationMs: 1 },
      'leader-election': { kind: 'leader-election', partition: 1, election: 'unclean' },
    };
    for (const kind of FAULT_KINDS) {
      for (const probe of TRIGGER_PROBES) {
        const trigger = {
          kind: 'after',
          delayUs: 0,
          nth: 2,
          event: {
            probe,
            broker: 1,
            partition: 1,
            change: 'shrink',
            appendedOnly: true,
            ...(probe === 'code' ? { codeProbe: 'truncate-below-hw' } : {}),
          },
        };
        const r = parseScenarioInput({ ...x, faults: [{ trigger, action: actions[kind] }] });
        expect(r.ok, `${kind} / ${probe}: ${r.ok ? '' : r.reason}`).toBe(true);
      }
    }
  });

  it("a code-probe trigger names a probe of the catalog, and only probe 'code' names one", () => {
    const x = example();
    const action = { kind: 'crash', target: { kind: 'producer', index: 0 }, downMs: 1 };
    const event = { probe: 'code', broker: null, partition: null, change: 'any', appendedOnly: false };
    const withEvent = (e: Record<string, unknown>) =>
      parseScenarioInput({
        ...x,
        faults: [{ trigger: { kind: 'on', event: e, nth: 1, afterMs: 0, delayUs: 0 }, action }],
      });
    expect(withEvent({ ...event, codeProbe: 'election-from-elr' }).ok).toBe(true);
    const missing = withEvent(event);
    expect(missing.ok ? '' : missing.reason).toMatch(/codeProbe: expected a code probe for probe 'code'/);
    const unknown = withEvent({ ...event, codeProbe: 'no-such-probe' });
    expect(unknown.ok ? '' : unknown.reason).toMatch(/expected a code probe of model\/code-probes.ts/);
    const stray = withEvent({ ...event, probe: 'truncate', codeProbe: 'election-from-elr' });
    expect(stray.ok ? '' : stray.reason).toMatch(/expected no codeProbe unless probe is 'code'/);
  });

  it('an older trace label beyondPromise is accepted, and may be left out', () => {
    expect(parseScenarioInput(setAt(raw(), ['faults', 0, 'beyondPromise'], true)).ok).toBe(true);
    expect(parseScenarioInput(setAt(raw(), ['faults', 0, 'beyondPromise'], 'yes'))).toEqual({
      ok: false,
      reason: 'faults[0].beyondPromise: Invalid input: expected boolean, received string',
    });
  });
});
