// End-to-end tests of `npm run fuzz` and `npm run replay` as spawned processes against the
// real model and checkers: every flag, every exit code (0 valid, 1 violation, 2 bad usage or
// input with one stderr line and nothing written, 3 unknown/interrupted), the JSON summary,
// workers and shards giving the same results, replay of a written trace to its hash,
// --check-determinism passing the model and catching a planted nondeterminism.
// Campaigns are kept small (a few seeds); bigger ones belong to bench/.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FUZZ, REPLAY, ROOT, lastJson, runCli, startCli } from './helpers.ts';
import { SCENARIOS, VARIANT_NAMES } from '../../scenarios/index.ts';
import type { CampaignSummary } from '../../campaign/summary.ts';
import type { Trace } from '../../checkers/trace.ts';
import { runSeed } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gregor-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const dir = () => join(tmp, `d${n++}`);

describe('fuzz: usage', () => {
  it('--help prints the usage and exits 0', () => {
    const r = runCli(FUZZ, ['--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--scenario',
      '--seeds',
      '--seed',
      '--base-seed',
      '--workers',
      '--shard',
      '--variant',
      '--max-violations',
      '--out',
      '--check-determinism',
      '--json',
      '--list',
      '--merge',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('--list prints every scenario and variant, one line each, through npm run too', () => {
    const r = spawnSync('npm', ['run', '-s', 'fuzz', '--', '--list'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    for (const s of SCENARIOS)
      expect(lines.some((l) => l.trim().startsWith(s.name + ' ') && l.includes(s.description))).toBe(true);
    for (const v of VARIANT_NAMES) expect(lines.filter((l) => l.trim().split(/\s+/)[0] === v)).toHaveLength(1);
  });

  const bad: Array<[string, string[]]> = [
    ['unknown scenario', ['--scenario', 'nope']],
    ['unknown variant', ['--variant', 'nope']],
    ['malformed --seeds', ['--seeds', '12x']],
    ['zero --seeds', ['--seeds', '0']],
    ['negative --seed', ['--seed', '-1']],
    ['fractional --seed', ['--seed', '1.5']],
    ['huge --seed', ['--seed', '99999999999999999999']],
    ['malformed --shard', ['--shard', 'x', '--base-seed', '1']],
    ['shard out of range', ['--shard', '3/2', '--base-seed', '1']],
    ['shard without a base seed', ['--shard', '1/2']],
    ['zero workers', ['--workers', '0']],
    ['malformed workers', ['--workers', 'two']],
    ['negative --max-violations', ['--max-violations', '-1']],
    ['both --seeds and --seed', ['--seeds', '3', '--seed', '4']],
    ['unknown flag', ['--frobnicate']],
    ['stray argument', ['swarm']],
    ['--merge of a missing directory', ['--merge', '/nonexistent/gregor']],
    ['unknown --controller', ['--controller', 'zk']],
    ['ZooKeeper mode with KRaft voters', ['--controller', 'zookeeper', '--controllers', '3']],
    ['ZooKeeper mode on Kafka 4.x', ['--controller', 'zookeeper', '--kafka-version', '4.1']],
    ['a ZooKeeper-mode variant in KRaft mode', ['--variant', 'zombie-controller']],
    ['a ZooKeeper-mode variant under --controller kraft', ['--variant', 'zombie-controller', '--controller', 'kraft']],
    ['an inter-broker protocol version in KRaft mode', ['--inter-broker-protocol-version', '2.6']],
    [
      'an unknown inter-broker protocol version',
      ['--controller', 'zookeeper', '--inter-broker-protocol-version', '2.5'],
    ],
    [
      'an inter-broker protocol version above the Kafka version',
      ['--controller', 'zookeeper', '--kafka-version', '3.6', '--inter-broker-protocol-version', '3.7'],
    ],
    [
      'isr-write-ignores-zkversion at IBP 2.7 (it lives in the pre-2.7 path)',
      [
        '--controller',
        'zookeeper',
        '--variant',
        'isr-write-ignores-zkversion',
        '--inter-broker-protocol-version',
        '2.7',
      ],
    ],
  ];
  it('runs the consumer-group and transactions scenarios in ZooKeeper mode (issue 16 item 3)', () => {
    for (const scenario of ['consumer-group', 'transactions@3.9']) {
      const args = ['--scenario', scenario, '--controller', 'zookeeper', '--seeds', '1', '--base-seed', '310000000'];
      const r = runCli(FUZZ, [...args, '--out', dir()]);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/1 seed judged/);
    }
  });
  it('a ZooKeeper-mode variant outside ZooKeeper mode: the message names the fix for how the input was given', () => {
    const example = join(ROOT, 'test/cli/fixtures/scenario-file-example.json');
    const cases: Array<[string[], string]> = [
      [['--variant', 'zombie-controller'], 'add --controller zookeeper'],
      [
        ['--variant', 'zombie-controller', '--controller', 'kraft'],
        '--controller kraft runs KRaft mode: use --controller zookeeper',
      ],
      [
        ['--variant', 'zombie-controller', '--scenario-file', example],
        "the scenario file's shape has no zookeeper: give the file a ZooKeeper-mode shape",
      ],
    ];
    for (const [args, fix] of cases) {
      const r = runCli(FUZZ, [...args, '--out', dir()]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`gregor fuzz: zombie-controller changes a rule of ZooKeeper mode only: ${fix}`);
    }
  });

  for (const [what, args] of bad) {
    it(`bad input: ${what} → one line on stderr, exit 2, nothing written`, () => {
      const out = dir();
      const r = runCli(FUZZ, [...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^gregor fuzz: /);
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe('fuzz: campaigns against the correct model', () => {
  let oneWorker: CampaignSummary;
  let oneWorkerDir = '';

  it('finds nothing, exits 0, prints the JSON summary last and writes the campaign files', () => {
    const out = dir();
    oneWorkerDir = out;
    const r = runCli(FUZZ, ['--seeds', '6', '--base-seed', '11', '--workers', '1', '--out', out, '--json']);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    oneWorker = lastJson<CampaignSummary>(r.stdout);
    expect(oneWorker).toMatchObject({
      seeds: 6,
      violations: [],
      baseSeed: 11,
      scenario: 'swarm',
      variant: 'correct',
      exitCode: 0,
    });
    expect(oneWorker.outcomes.violation + oneWorker.outcomes.stuck + oneWorker.outcomes.crash).toBe(0);
    expect(r.stdout).toContain('result: no violation found (exit 0)');
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(readFileSync(join(out, 'seeds.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('--workers 2 gives the same results as --workers 1', () => {
    const r = runCli(FUZZ, ['--seeds', '6', '--base-seed', '11', '--workers', '2', '--out', dir(), '--json']);
    expect(r.code).toBe(0);
    const two = lastJson<CampaignSummary>(r.stdout);
    expect(two.digest).toBe(oneWorker.digest);
    expect(two.outcomes).toEqual(oneWorker.outcomes);
    expect(two.events).toBe(oneWorker.events);
  });

  it('--shard K/N splits the range and --merge DIR... equals the unsharded run', () => {
    const a = dir();
    const b = dir();
    const r1 = runCli(FUZZ, [
      '--seeds',
      '6',
      '--base-seed',
      '11',
      '--workers',
      '1',
      '--shard',
      '1/2',
      '--out',
      a,
      '--json',
    ]);
    const r2 = runCli(FUZZ, [
      '--seeds',
      '6',
      '--base-seed',
      '11',
      '--workers',
      '1',
      '--shard',
      '2/2',
      '--out',
      b,
      '--json',
    ]);
    expect([r1.code, r2.code]).toEqual([0, 0]);
    expect(lastJson<CampaignSummary>(r1.stdout)).toMatchObject({ seeds: 3, shard: '1/2' });
    expect(readdirSync(a)).toContain('summary-shard-1-of-2.json');
    const merged = dir();
    const m = runCli(FUZZ, ['--merge', a, b, '--out', merged, '--json']);
    expect(m.code).toBe(0);
    const s = lastJson<CampaignSummary>(m.stdout);
    expect(s.seeds).toBe(6);
    expect(s.digest).toBe(oneWorker.digest);
    expect(s.outcomes).toEqual(oneWorker.outcomes);
    expect(existsSync(join(merged, 'summary.json'))).toBe(true);
  });

  it('--seed S re-runs one seed exactly as the campaign ran it', () => {
    const out = dir();
    const r = runCli(FUZZ, ['--seed', '13', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const s = lastJson<CampaignSummary>(r.stdout);
    expect(s.seeds).toBe(1);
    const campaignLine = JSON.parse(readFileSync(join(oneWorkerDir, 'seeds.jsonl'), 'utf8').trim().split('\n')[2]);
    const singleLine = JSON.parse(readFileSync(join(out, 'seeds.jsonl'), 'utf8').trim());
    expect(campaignLine.seed).toBe(13);
    expect(singleLine).toEqual(campaignLine);
  });

  it('--check-determinism runs every seed twice and passes the model', () => {
    const r = runCli(FUZZ, [
      '--seeds',
      '2',
      '--base-seed',
      '11',
      '--workers',
      '1',
      '--check-determinism',
      '--out',
      dir(),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const s = lastJson<CampaignSummary>(r.stdout);
    expect(s.checkDeterminism).toBe(true);
    expect(s.outcomes.nondeterminism).toBe(0);
  });

  it('--scenario, --variant, --max-violations 0 and --out are honoured', () => {
    const out = dir();
    const r = runCli(FUZZ, [
      '--scenario',
      'leader-failover',
      '--variant',
      'correct',
      '--seeds',
      '2',
      '--base-seed',
      '3',
      '--max-violations',
      '0',
      '--workers',
      '1',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(lastJson<CampaignSummary>(r.stdout)).toMatchObject({
      scenario: 'leader-failover',
      variant: 'correct',
      maxViolations: 0,
      seeds: 2,
    });
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
  });

  it('writes to ./gregor-out by default and picks a random base seed it prints', () => {
    const cwd = dir();
    mkdirSync(cwd, { recursive: true });
    const r = runCli(FUZZ, ['--seeds', '1', '--workers', '1', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/base seed \d+ \(pass --base-seed \d+ to repeat/);
    expect(existsSync(join(cwd, 'gregor-out', 'summary.json'))).toBe(true);
  });
});

describe('fuzz: failures', () => {
  it(
    'an exception in a simulated run is a crash failure with its seed; exit 1; the campaign goes on; the trace ' +
      'replays',
    () => {
      const out = dir();
      const r = runCli(
        FUZZ,
        [
          '--seeds',
          '4',
          '--base-seed',
          '6',
          '--workers',
          '1',
          '--max-violations',
          '0',
          '--shrink-runs',
          '3',
          '--out',
          out,
          '--json',
        ],
        { preload: 'plant-crash.ts' },
      );
      expect(r.code).toBe(1);
      const s = lastJson<CampaignSummary>(r.stdout);
      expect(s.seeds).toBe(4);
      expect(s.outcomes.crash).toBe(1);
      expect(s.violations).toHaveLength(1);
      expect(s.violations[0]).toMatchObject({ seed: 7, kind: 'crash', outcome: 'crash' });
      expect(s.violations[0].explanation).toContain('planted crash in seed 7');
      expect(r.stdout).toMatch(/✗ VIOLATION crash — swarm, variant correct, seed 7/);
      expect(r.stdout).toContain(`reproduce: ${s.violations[0].replay}`);
      const trace = JSON.parse(readFileSync(s.violations[0].trace!, 'utf8')) as Trace;
      expect(trace.command).toBe(s.violations[0].replay);
      expect(existsSync(s.violations[0].report!)).toBe(true);
      const replay = runCli(REPLAY, [s.violations[0].trace!], { preload: 'plant-crash.ts' });
      expect(replay.code).toBe(1);
      expect(replay.stdout).toContain(`hash ${trace.hash} matches the trace`);
    },
  );

  it('--check-determinism catches a planted nondeterminism and names the first differing event', () => {
    const r = runCli(
      FUZZ,
      ['--seeds', '1', '--base-seed', '5', '--workers', '1', '--check-determinism', '--out', dir(), '--json'],
      { preload: 'plant-nondeterminism.ts' },
    );
    expect(r.code).toBe(1);
    const s = lastJson<CampaignSummary>(r.stdout);
    expect(s.outcomes.nondeterminism).toBe(1);
    expect(s.violations[0].kind).toBe('nondeterminism');
    expect(s.violations[0].explanation).toMatch(/recorded event #\d+ differs/);
    expect(s.violations[0].explanation).toContain('planted-nondeterminism');
  });

  it('Ctrl-C prints the summary of what finished and exits 3', async () => {
    const out = dir();
    const run = startCli(FUZZ, ['--seeds', '100000', '--base-seed', '1', '--workers', '1', '--out', out, '--json']);
    // Wait until some seeds finished (plain progress lines on a pipe come every 5 s).
    const started = Date.now();
    while (!/progress: [1-9]/.test(run.output().stderr) && Date.now() - started < 120_000)
      await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(3);
    const s = lastJson<CampaignSummary>(r.stdout);
    expect(s.interrupted).toBe(true);
    expect(s.seeds).toBeGreaterThan(0);
    expect(s.seeds).toBeLessThan(100000);
    expect(r.stdout).toContain('interrupted');
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
  });
});

describe('replay', () => {
  it('replays a trace of the real model to its hash and exits as the original (0 for a valid run)', () => {
    const r = runSeed(deps, 'leader-failover', 'correct', 2, { trace: true });
    expect(r.outcome).toBe('ok');
    const p = join(tmp, 'ok.trace.json');
    writeFileSync(p, JSON.stringify(r.trace));
    const rep = runCli(REPLAY, [p, '--json']);
    expect(rep.code).toBe(0);
    expect(lastJson(rep.stdout)).toMatchObject({
      hash: r.hash,
      hashMatches: true,
      outcomeMatches: true,
      outcome: 'ok',
      exitCode: 0,
    });
    // The same trace with a hash from another code version: exit 3.
    writeFileSync(p, JSON.stringify({ ...r.trace, hash: 'ffffffffffffffff' }));
    expect(runCli(REPLAY, [p]).code).toBe(3);
  });
});

describe('replay: bad input', () => {
  const cases: Array<[string, string | null]> = [
    ['an unreadable file', null],
    ['garbage', '{not json'],
    ['JSON that is not a trace', '[1,2,3]'],
    ['a trace of another version', JSON.stringify({ format: 'gregor-trace', version: 99 })],
    [
      'a trace with a broken schedule',
      JSON.stringify({
        format: 'gregor-trace',
        version: 1,
        seed: 1,
        scenario: 'swarm',
        variant: 'correct',
        hash: '0123456789abcdef',
        faultSchedule: { shape: {} },
      }),
    ],
  ];
  for (const [what, content] of cases) {
    it(`${what} → one line on stderr, exit 2`, () => {
      const p = join(tmp, `replay-${n++}.json`);
      if (content !== null) writeFileSync(p, content);
      const r = runCli(REPLAY, [p]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^gregor replay: /);
    });
  }
  it('no argument → usage error, exit 2; --help → exit 0', () => {
    expect(runCli(REPLAY, []).code).toBe(2);
    expect(runCli(REPLAY, ['--help']).code).toBe(0);
  });
});
