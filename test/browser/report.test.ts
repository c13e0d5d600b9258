// The reports in a real browser (Debian's Chromium through playwright-core): the violation
// report of the acks=1 loss, the same with hostile strings everywhere, a 100,000-operation
// report, the check report and the campaign index. Every page must load with no console
// error, no request leaving it, no CSP violation and no dialog.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../../checkers/trace.ts';
import { renderCampaignIndex } from '../../reports/campaign-index.ts';
import { renderCheckReport } from '../../reports/check-report.ts';
import { renderViolationReport } from '../../reports/html-report.ts';
import { acks1LossTrace, HOSTILE } from '../fixtures/traces/acks1-loss.ts';
import { registerHistory } from '../reports/register-history.ts';
import { BREACH, WHITE_BOX_AT_US, expectedTrace, whiteBoxTrace } from '../reports/violation-traces.ts';
import { syntheticTrace } from '../fixtures/traces/synthetic.ts';
import { launchChromium, openReport, pngSize, type Browser, type PageWatch } from './chromium.ts';
import { generateInput, runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { ScenarioInput } from '../../scenarios/input.ts';

interface ReportApi {
  data: { focus: { sendOp: number } | null; cex: { failed: number } | null; counts: { ops: number } };
  time(): number;
  setTime(t: number): void;
  revealOp(op: number, zoom?: boolean): { x: number; y: number; width: number; height: number };
  dumpText(): string;
  gridCellBox(broker: number, offset: number): { x: number; y: number; width: number; height: number } | null;
  brokerLaneBox(broker: number): { x: number; y: number; width: number; height: number; t0: number; t1: number } | null;
  describeText(): string;
  tp(): number;
  laneLabels(): string[];
  ticks(): Array<{ t: number; label: string }>;
}
// The page functions below run in the browser, where these exist; declared module-locally
// because the project compiles without the DOM lib.
declare const gregorReport: ReportApi;
interface PageElement {
  scrollTop: number;
  scrollLeft: number;
  href: string;
  getBoundingClientRect(): unknown;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
};
declare const window: { innerWidth: number; innerHeight: number; scrollY: number };
declare function requestAnimationFrame(callback: () => void): number;
declare const performance: { now(): number };

const S = 1_000_000;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-reports-'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function write(name: string, html: string): string {
  const file = join(dir, name);
  writeFileSync(file, html);
  return file;
}

async function ready(watch: PageWatch, timeoutMs = 30_000): Promise<void> {
  await watch.page.waitForSelector('body[data-ready="1"]', { timeout: timeoutMs });
}

async function expectClean(watch: PageWatch): Promise<void> {
  expect(watch.pageErrors, 'uncaught errors').toEqual([]);
  expect(watch.consoleErrors, 'console errors').toEqual([]);
  expect(watch.requests, 'requests leaving the page').toEqual([]);
  expect(watch.dialogs, 'dialogs').toEqual([]);
  expect(await watch.cspViolations(), 'CSP violations').toEqual([]);
}

/** Hovers an operation's bar on the timeline and returns the tooltip's text. */
async function hoverOp(watch: PageWatch, op: number, zoom = false): Promise<string> {
  const box = await watch.page.evaluate(([o, z]) => gregorReport.revealOp(o, z), [op, zoom] as const);
  // Let the scroll events revealOp caused fire first (scrolling hides the tooltip).
  await watch.page.evaluate(
    () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))),
  );
  await watch.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 2 });
  const tooltip = watch.page.locator('#tooltip');
  await tooltip.waitFor({ state: 'visible', timeout: 5_000 }).catch(async (e) => {
    const rect = await watch.page.evaluate(() =>
      JSON.stringify([
        document.getElementById('tl-scroll')!.getBoundingClientRect(),
        window.innerWidth,
        window.innerHeight,
        window.scrollY,
      ]),
    );
    throw new Error(`${(e as Error).message}\nbox ${JSON.stringify(box)} rect ${rect}`);
  });
  return (await tooltip.textContent()) ?? '';
}

describe('violation report: the acks=1 loss', () => {
  let watch: PageWatch;
  beforeAll(async () => {
    watch = await openReport(browser, write('acks1.html', renderViolationReport(acks1LossTrace())));
    await ready(watch);
  });

  it('shows the verdict headline and the lost record', async () => {
    const page = watch.page;
    expect(await page.locator('#headline').isVisible()).toBe(true);
    expect(await page.locator('#headline').textContent()).toBe('Violation: lost-write');
    expect(await page.locator('#sentence').textContent()).toContain('"v3" was acknowledged at offset 3 of t-0');
    expect(await page.locator('#lost-record').isVisible()).toBe(true);
    expect(await page.locator('#lost-record .value').textContent()).toBe('v3');
    expect(await page.locator('#lost-record .where').textContent()).toBe('t-0 · offset 3');
    const loss = page.locator('#story li.tone-loss').first();
    expect(await loss.isVisible()).toBe(true);
    expect(await loss.textContent()).toContain('That was the last copy.');
    expect(await page.locator('#story li').count()).toBeGreaterThanOrEqual(10);
  });

  it("shows an operation's details when it is hovered", async () => {
    const op = await watch.page.evaluate(() => gregorReport.data.focus!.sendOp);
    const text = await hoverOp(watch, op);
    expect(text).toContain('producer-2 · send "v3" → t-0@3');
    expect(text).toContain('ok · 4.000000 s → 4.040000 s (40.0 ms)');
    expect(text).toContain('the send of the lost record');
    await watch.page.mouse.move(5, 5);
  });

  it('rebuilds kafka-topics --describe and kafka-dump-log as the scrubber moves', async () => {
    const page = watch.page;
    // It opens at the acknowledgement: broker 1 leads and holds v3 above its HW.
    expect(await page.evaluate(() => gregorReport.time())).toBe(4.04 * S);
    let describe = await page.locator('#describe').textContent();
    expect(describe).toContain('Topic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3');
    let dump = await page.evaluate(() => gregorReport.dumpText());
    expect(dump).toContain('high watermark 3');
    expect(dump).toContain('| offset: 3 payload: v3');

    await page.locator('#scrubber').fill(String(15 * S));
    expect(await page.locator('#scrub-time').textContent()).toBe('15.000000 s');
    describe = await page.locator('#describe').textContent();
    expect(describe).toContain('Leader: 2\tReplicas: 1,2,3\tIsr: 2,3');
    expect(await page.locator('#replica-rows tr').first().textContent()).toContain('down (crash)');
    expect(await page.evaluate(() => gregorReport.dumpText())).toContain('broker 1 is down (crash)');

    // → steps to the next change in the cluster: broker 1 restarts at 20 s.
    await page.locator('#scrubber').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => gregorReport.time())).toBe(20 * S);

    // A story step moves the scrubber to its moment: the truncation removes v3.
    await page.locator('#story li.tone-loss').first().click();
    expect(await page.evaluate(() => gregorReport.time())).toBe(20.35 * S);
    dump = await page.evaluate(() => gregorReport.dumpText());
    expect(dump).not.toContain('payload: v3');
    expect(await page.locator('#replica-rows tr').first().textContent()).toContain('follower');

    // The dump of broker 2 shows v4 where v3 was.
    await page.locator('#dump-tabs button', { hasText: 'broker 2' }).click();
    expect(await page.evaluate(() => gregorReport.dumpText())).toContain('| offset: 3 payload: v4');
  });

  it('marks truncations and the lost record in the replica logs and on the broker lanes', async () => {
    const page = watch.page;
    const cell = (await page.evaluate(() => gregorReport.gridCellBox(1, 3)))!;
    await page.mouse.move(cell.x + cell.width / 2, cell.y + cell.height / 2, { steps: 2 });
    const tooltip = page.locator('#tooltip');
    await tooltip.waitFor({ state: 'visible', timeout: 5_000 });
    const cellText = await tooltip.textContent();
    expect(cellText).toContain('broker 1 · t-0 offset 3');
    expect(cellText).toContain(
      '"v3" · leader epoch 0 · appended 4.020000 s · truncated 20.350000 s (diverging-epoch)  ★ lost record',
    );
    expect(cellText).toContain('"v4" · leader epoch 1 · appended 20.400000 s · still there at the end');
    // Broker 1's lane while it is down: process down, and it still holds v3 on disk.
    await page.locator('#zoom-fit').click();
    const lane = (await page.evaluate(() => gregorReport.brokerLaneBox(1)))!;
    const x = lane.x + ((10 * S - lane.t0) / (lane.t1 - lane.t0)) * lane.width;
    await page.mouse.move(x, lane.y + lane.height / 2, { steps: 2 });
    await tooltip.waitFor({ state: 'visible', timeout: 5_000 });
    const laneText = await tooltip.textContent();
    expect(laneText).toContain('process down (crash)');
    expect(laneText).toContain('leader · leader epoch 0 · HW 3 · LEO 4');
    expect(laneText).toContain('holds the lost record "v3"');
    await page.mouse.move(5, 5);
  });

  it('moves the scrubber where the timeline is clicked', async () => {
    const page = watch.page;
    await page.locator('#zoom-fit').click();
    const box = (await page.locator('#tl-scroll').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + 150);
    const t = await page.evaluate(() => gregorReport.time());
    expect(t).toBeGreaterThan(5 * S);
    expect(t).toBeLessThan(20 * S);
  });

  it('takes a full-page screenshot', async () => {
    await watch.page.evaluate(() => gregorReport.setTime(4.04 * 1e6));
    const file = join(dir, 'acks1.png');
    await watch.page.screenshot({ path: file, fullPage: true });
    const bytes = readFileSync(file);
    const { width, height } = pngSize(bytes);
    expect(width).toBeGreaterThanOrEqual(1400);
    expect(height).toBeGreaterThan(1500);
    expect(bytes.length).toBeGreaterThan(100_000);
  });

  it('made no request, logged no error and opened no dialog', async () => {
    await expectClean(watch);
  });
});

describe('a report with two partitions', () => {
  it('describes every partition of the topic and switches the replica views to the chosen one', async () => {
    const watch = await openReport(
      browser,
      write('two.html', renderViolationReport(acks1LossTrace({ extraPartition: true }))),
    );
    await ready(watch);
    const page = watch.page;
    await page.locator('#scrubber').fill(String(15 * S));
    const describe = await page.locator('#describe').textContent();
    expect(describe).toContain('PartitionCount: 2');
    expect(describe).toContain('Partition: 0\tLeader: 2\tReplicas: 1,2,3\tIsr: 2,3');
    expect(describe).toContain('Partition: 1\tLeader: 3\tReplicas: 3,1,2\tIsr: 3,2');
    await page.locator('#tp-select').selectOption({ label: 't-1' });
    await page.locator('#dump-tabs button', { hasText: 'broker 3' }).click();
    const dump = await page.evaluate(() => gregorReport.dumpText());
    expect(dump).toContain('/var/lib/kafka/data/t-1/');
    expect(dump).toContain('| offset: 0 payload: w0');
    expect(await page.locator('#replica-rows tr').nth(2).textContent()).toContain('leader');
    await expectClean(watch);
    await page.close();
  });
});

describe('a trace written by the simulator', () => {
  it('renders with its story and without errors', async () => {
    const trace = JSON.parse(
      readFileSync(new URL('../fixtures/traces/sim-leader-failover-acks-1.json', import.meta.url), 'utf8'),
    ) as Trace;
    const watch = await openReport(browser, write('sim.html', renderViolationReport(trace)));
    await ready(watch);
    const page = watch.page;
    expect(await page.locator('#headline').textContent()).toBe('Violation: inconsistent-offsets');
    expect(await page.locator('#lost-record .value').textContent()).toBe('p200-1');
    expect(await page.locator('#story li.tone-loss').first().textContent()).toContain('That was the last copy.');
    const op = await page.evaluate(() => gregorReport.data.focus!.sendOp);
    expect(await hoverOp(watch, op)).toContain('producer-200 lane 0 · send "p200-1" → t-0@1');
    await expectClean(watch);
    await page.close();
  });
});

describe('a consumer group run (issue 15)', () => {
  it('describes the group at the scrubber and draws a lane of generations per member', async () => {
    const input: ScenarioInput = {
      shape: { brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 2, controllers: 1, timing: {} },
      workload: {
        producers: 1,
        consumers: 0,
        sends: 60,
        keys: 0,
        sendIntervalMs: 100,
        pollIntervalMs: 100,
        group: {
          consumers: 2,
          churnMs: 0,
          offsetsPartitions: 1,
          sessionTimeoutMs: 6_000,
          heartbeatIntervalMs: 2_000,
          autoCommitIntervalMs: 500,
        },
      },
      faults: [],
      healAtMs: 10_000,
    };
    const r = runScenario(deps, { seed: 5, scenario: 'consumer-group', variant: 'correct', input, trace: true });
    const watch = await openReport(browser, write('group.html', renderViolationReport(r.trace!)));
    await ready(watch);
    const page = watch.page;
    await page.evaluate(() => gregorReport.setTime(4 * 1_000_000));
    const text = await page.evaluate(() => gregorReport.describeText());
    expect(text).toContain('$ kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group g1');
    expect(text).toMatch(/GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID/);
    expect(text).toMatch(/\ng1 +t +0 +\d+ +\d+ +\d+ +member-\S+ +\/group-consumer-50[01] +group-consumer-50[01]\n/);
    const labels = await page.evaluate(() => gregorReport.laneLabels());
    expect(labels.filter((l) => l.endsWith('· generations'))).toHaveLength(2);
    await expectClean(watch);
    await page.close();
  });
});

describe('degenerate inputs', () => {
  it('an empty valid trace and an empty checked history render without errors', async () => {
    const empty = acks1LossTrace();
    Object.assign(empty, {
      history: [],
      timeline: [],
      faults: [],
      nodes: [],
      endTimeUs: 0,
      command: '',
      verdict: { valid: true, checker: 'all', anomalies: [] },
    });
    const a = await openReport(browser, write('empty.html', renderViolationReport(empty)));
    await ready(a);
    expect(await a.page.locator('#headline').textContent()).toBe('No violation');
    expect(await a.page.locator('#lost-record').isVisible()).toBe(false);
    await a.page.locator('#next-event').click();
    await a.page.locator('#zoom-in').click();
    await expectClean(a);
    await a.page.close();
    const b = await openReport(
      browser,
      write('empty-check.html', renderCheckReport([], { valid: 'unknown', checker: 'linearizability', anomalies: [] })),
    );
    await ready(b);
    expect(await b.page.locator('#headline').textContent()).toBe('Unknown');
    await expectClean(b);
    await b.page.close();
  });
});

describe('hostile strings', () => {
  it('render as text: no element, no script, no dialog', async () => {
    const watch = await openReport(
      browser,
      write('hostile.html', renderViolationReport(acks1LossTrace({ lostValue: HOSTILE, hostileEverywhere: true }))),
    );
    await ready(watch);
    const page = watch.page;
    await page.waitForLoadState('load');
    expect(await page.locator('#lost-record .value').textContent()).toBe(HOSTILE);
    expect(await page.locator('#meta').textContent()).toContain(`acks1-leader-crash ${HOSTILE}`);
    expect(await page.locator('#story').textContent()).toContain(`sends ${JSON.stringify(HOSTILE)} to t-0`);
    expect(await page.locator('#fault-rows').textContent()).toContain(HOSTILE);
    expect(await page.locator('#command-line').textContent()).toContain(HOSTILE);
    expect(await page.title()).toContain(HOSTILE);
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(await page.evaluate(() => document.querySelectorAll('script').length)).toBe(2);
    const op = await page.evaluate(() => gregorReport.data.focus!.sendOp);
    expect(await hoverOp(watch, op)).toContain(JSON.stringify(HOSTILE));
    expect(await page.evaluate(() => gregorReport.dumpText())).toContain(`| offset: 3 payload: ${HOSTILE}`);
    await expectClean(watch);
    await page.close();
  });
});

describe('a 100,000-operation report', () => {
  it('is under 20 MB, loads, scrolls and zooms without errors', async () => {
    const html = renderViolationReport(syntheticTrace({ ops: 100_000 }));
    const file = write('large.html', html);
    const bytes = statSync(file).size;
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
    const startedMs = Date.now();
    const watch = await openReport(browser, file);
    await ready(watch, 60_000);
    const loadMs = Date.now() - startedMs;
    const page = watch.page;
    expect(await page.locator('#headline').textContent()).toBe('Violation: lost-write');
    expect(await page.locator('#lost-record').isVisible()).toBe(true);
    expect(await page.evaluate(() => gregorReport.data.counts.ops)).toBeGreaterThanOrEqual(100_000);
    // Scroll the timeline and the replica logs through many frames, then zoom in and back.
    const frameMs = await page.evaluate(async () => {
      const frames: number[] = [];
      const tl = document.getElementById('tl-scroll')!;
      const grid = document.getElementById('grid-scroll')!;
      for (let i = 0; i < 40; i++) {
        const before = performance.now();
        tl.scrollTop = (i % 10) * 12;
        tl.scrollLeft = i * 40;
        grid.scrollLeft = i * 500;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        frames.push(performance.now() - before);
      }
      return frames.sort((a, b) => a - b)[20];
    });
    for (const id of ['#zoom-in', '#zoom-in', '#zoom-in', '#zoom-story', '#zoom-fit']) await page.locator(id).click();
    const text = await hoverOp(watch, 50_000, true);
    expect(text).toContain('operation 50000');
    await page.locator('#scrubber').fill(String(10 * S));
    expect(await page.locator('#describe').textContent()).toContain('Partition: 0\tLeader: ');
    await expectClean(watch);
    console.log(
      `100k-operation report: ${(bytes / 1e6).toFixed(1)} MB, loaded in ${loadMs} ms, median scroll frame ` +
        `${frameMs.toFixed(1)} ms`,
    );
    await page.close();
  });
});

describe('a white-box violation on the second partition', () => {
  let watch: PageWatch;
  beforeAll(async () => {
    watch = await openReport(browser, write('white-box.html', renderViolationReport(whiteBoxTrace())));
    await ready(watch);
  });
  afterAll(async () => {
    await watch?.page.close();
  });

  it("opens on the violation's partition and moment", async () => {
    const page = watch.page;
    expect(await page.evaluate(() => gregorReport.time())).toBe(WHITE_BOX_AT_US);
    expect(await page.locator('#tp-select option:checked').textContent()).toBe('t-1');
    expect(await page.evaluate(() => gregorReport.dumpText())).toContain('/var/lib/kafka/data/t-1/');
    expect(await page.evaluate(() => gregorReport.laneLabels())).toContain('Controller — t-1');
  });

  it('tells the steps that lead to it, ending with the violation', async () => {
    const page = watch.page;
    expect(await page.locator('#story-title').textContent()).toBe('What went wrong');
    const steps = page.locator('#story li');
    expect(await steps.count()).toBeGreaterThanOrEqual(5);
    expect(await steps.last().textContent()).toContain('candidate-complete: Broker 2 is in the ISR of t-1');
    const story = await page.locator('#story').textContent();
    expect(story).toContain('broker 1 crashes (kill -9; the page cache survives) [fault 1 begins]');
    await steps.first().click();
    expect(await page.evaluate(() => gregorReport.time())).toBe(0.2 * S);
  });

  it('marks the lane of a broker that holds no replica of the partition', async () => {
    const labels = await watch.page.evaluate(() => gregorReport.laneLabels());
    expect(labels).toContain('broker 4 (no replica)');
    expect(labels).toContain('broker 2');
  });

  it("says which view of the leader is the controller's and which a broker's", async () => {
    const page = watch.page;
    await page.locator('#tp-select').selectOption({ label: 't-0' });
    await page.evaluate((t) => gregorReport.setTime(t), 15 * S);
    expect(await page.evaluate(() => gregorReport.describeText())).toContain(
      "# the controller's view: broker 2 leads in epoch 1; " +
        "broker 1's own view: it is down and last knew itself leader, in epoch 0",
    );
    const broker1 = await page.locator('#replica-rows tr').first().textContent();
    expect(broker1).toContain('leader (own view; controller: broker 2)');
    await page.evaluate((t) => gregorReport.setTime(t), 22 * S);
    expect(await page.evaluate(() => gregorReport.describeText())).not.toContain('own view');
  });

  it('made no request and logged no error', async () => {
    await expectClean(watch);
  });
});

describe('an expected loss', () => {
  it("shows the breach of Kafka's promise that makes it expected", async () => {
    const watch = await openReport(browser, write('expected.html', renderViolationReport(expectedTrace())));
    await ready(watch);
    const page = watch.page;
    expect(await page.locator('#verdict-badge').textContent()).toBe('expected loss');
    const because =
      `expected: beyond Kafka's promise — ${BREACH.rule}: ${BREACH.explanation}, ` +
      `at 4.050000 s, caused by ${BREACH.event}`;
    expect(await page.locator('#expected-because').textContent()).toBe(because);
    expect(await page.locator('#story-expected').textContent()).toBe(because);
    expect(await page.locator('#story-expected').isVisible()).toBe(true);
    await expectClean(watch);
    await page.close();
  });

  it('shows no breach for a real violation', async () => {
    const watch = await openReport(browser, write('real.html', renderViolationReport(acks1LossTrace())));
    await ready(watch);
    expect(await watch.page.locator('#expected-because').isVisible()).toBe(false);
    expect(await watch.page.locator('#story-expected').isVisible()).toBe(false);
    await expectClean(watch);
    await watch.page.close();
  });
});

describe('check report (npm run check)', () => {
  it("labels the time axis with the history's own times, as the tooltips do", async () => {
    const { history, verdict } = registerHistory();
    const shifted = history.map((e) => ({ ...e, time: e.time + 5 * S }));
    const watch = await openReport(browser, write('check-shifted.html', renderCheckReport(shifted, verdict, {})));
    await ready(watch);
    const page = watch.page;
    const ticks = await page.evaluate(() => gregorReport.ticks());
    expect(ticks.length).toBeGreaterThan(2);
    for (const { t, label } of ticks) {
      expect(t).toBeGreaterThanOrEqual(5 * S);
      expect(label).toBe(`${t} µs`);
    }
    const hint = await page.locator('#tl-hint').textContent();
    expect(hint).toContain('outlined in red and marked ✗ is the operation that could not be placed');
    await expectClean(watch);
    await page.close();
  });

  it('shows the client lanes, the prefix and the operation that could not be placed', async () => {
    const { history, verdict } = registerHistory();
    const watch = await openReport(
      browser,
      write('check.html', renderCheckReport(history, verdict, { source: 'reg.jsonl', model: 'register' })),
    );
    await ready(watch);
    const page = watch.page;
    expect(await page.locator('#headline').textContent()).toBe('Violation: nonlinearizable');
    expect(await page.locator('#cex-card').isVisible()).toBe(true);
    expect(await page.locator('#cex-failed').textContent()).toContain('process 1 · read → 2');
    expect(await page.locator('#cex-prefix li').count()).toBe(1);
    expect(await page.locator('#snapshot-card').isVisible()).toBe(false);
    expect(await page.locator('#logs-card').isVisible()).toBe(false);
    const failed = await page.evaluate(() => gregorReport.data.cex!.failed);
    const text = await hoverOp(watch, failed);
    expect(text).toContain('cannot be placed: read returned 2 but the register holds 1');
    await page.screenshot({ path: join(dir, 'check.png'), fullPage: true });
    await expectClean(watch);
    await page.close();
  });
});

describe('campaign index', () => {
  it('lists the violations and links to their reports by relative path', async () => {
    write('acks1-42.html', renderViolationReport(acks1LossTrace()));
    const index = write(
      'index.html',
      renderCampaignIndex(
        [
          {
            variant: 'acks=1',
            scenario: 'acks1-leader-crash',
            seed: 42,
            anomalyKinds: ['lost-write', 'acked-durable'],
            reportPath: 'acks1-42.html',
          },
          { variant: HOSTILE, scenario: HOSTILE, seed: 1, anomalyKinds: [HOSTILE], reportPath: 'javascript:alert(1)' },
        ],
        { title: 'campaign', seedsRun: 100 },
      ),
    );
    const watch = await openReport(browser, index);
    const page = watch.page;
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await page.locator('tbody tr').first().textContent()).toContain('lost-write');
    const hrefs = await page.locator('a').evaluateAll((links) => links.map((a) => (a as unknown as PageElement).href));
    expect(hrefs).toEqual([`file://${join(dir, 'acks1-42.html')}`]);
    expect(await page.locator('tbody tr').nth(1).textContent()).toContain(HOSTILE);
    expect(await page.evaluate(() => document.querySelectorAll('img, script').length)).toBe(0);
    await expectClean(watch);
    await page.close();
    const linked = await openReport(browser, join(dir, 'acks1-42.html'));
    await ready(linked);
    expect(await linked.page.locator('#headline').textContent()).toBe('Violation: lost-write');
    await expectClean(linked);
    await linked.page.close();
  });
});

describe('the report of a run with retention (issue 12)', () => {
  it('kafka-dump-log: one Dumping header per segment, the recovery point, nothing below the log start', async () => {
    // Seed 700002 of the swarm, with retention applied (the swarm draws it but does not apply it
    // for now): retention.ms 10 s, checked every second, so it deletes segments within the run.
    const drawn = generateInput('swarm', 700_002);
    const timing = {
      ...drawn.shape.timing,
      'log.retention.ms': 10_000,
      'log.retention.check.interval.ms': 1_000,
      'log.initial.task.delay.ms': 1_000,
    };
    const input: ScenarioInput = { ...drawn, shape: { ...drawn.shape, timing } };
    const result = runScenario(deps, { seed: 700_002, scenario: 'swarm', variant: 'correct', input, trace: true });
    const trace = result.trace!;
    const moves = (trace.timeline ?? []).filter((e) => e.kind === 'log-start' && e.reason === 'segment-deletion');
    expect(moves.length).toBeGreaterThan(0);
    const move = moves[0] as Extract<(typeof moves)[number], { kind: 'log-start' }>;
    const watch = await openReport(browser, write('retention.html', renderViolationReport(trace)));
    await ready(watch);
    const page = watch.page;
    await page.locator('#scrubber').fill(String(move.t + 1));
    await page.locator('#dump-tabs button', { hasText: `broker-${move.broker}` }).click();
    const dump = await page.evaluate(() => gregorReport.dumpText());
    expect(dump).toContain(`Log starting offset: ${move.to}`);
    expect(dump).toMatch(/Dumping \/var\/lib\/kafka\/data\/t-0\/\d{20}\.log/);
    expect(dump).toMatch(/recovery point \d+: records below are fsynced/);
    // The segments it has then (deleted ones gone), as describe's kafka-log-dirs view lists them.
    expect(dump).toMatch(/# segment \d{20}\.log {2}offsets \d+–\d+ {2}rolled .* {2}fsynced /);
    expect(dump).not.toMatch(new RegExp(`# segment ${String(0).padStart(20, '0')}\\.log`));
    expect(dump).not.toContain(`| offset: ${move.to - 1} payload`);
    await expectClean(watch);
    await page.close();
  });
});
