// The page's static panels, filled once from the data: the verdict header (with why an
// expected anomaly is expected), the story of the violation, the counterexample of a check
// report, the fault schedule, the command and the verdict details.
//
// Assumes the skeleton of html-report.ts; actions.setScrub is wired by main.ts.

import { byId, el } from './dom.ts';
import { M, brokerName } from './model.ts';
import { laneName, opLabel, opLines } from './ops.ts';
import { actions } from './state.ts';
import { fmtTime, quote } from './text.ts';

const BADGE = {
  violation: 'violation',
  'kafka-finding': "Kafka's own finding",
  expected: 'expected loss',
  valid: 'valid',
  unknown: 'unknown',
} as const;

/** "expected: beyond Kafka's promise — <rule>: <explanation>, at <t>, caused by <event>". */
function expectedText(): string | null {
  const e = M.data.expected;
  if (!e) return null;
  const when = fmtTime(e.atUs);
  return `expected: beyond Kafka's promise — ${e.rule}: ${e.explanation}, at ${when}, caused by ${e.event}`;
}

export function renderHeader(): void {
  const h = M.data.headline;
  byId('top').className = `status-${h.status}`;
  byId('verdict-badge').textContent = BADGE[h.status];
  byId('headline').textContent = h.label;
  byId('sentence').textContent = h.sentence;
  const because = expectedText();
  const p = byId('expected-because');
  p.hidden = because === null;
  p.textContent = because;
  byId('meta').append(
    ...M.data.meta.map(([k, v]) => {
      const d = el('div');
      d.append(el('dt', '', k), el('dd', '', v));
      return d;
    }),
  );
}

function renderLostRecord(): void {
  const f = M.focus;
  if (!f) return;
  const box = byId('lost-record');
  box.append(
    el('span', 'value', f.value),
    el('span', 'where', M.data.tps[f.tp] + (f.offset >= 0 ? ` · offset ${f.offset}` : '')),
  );
  const facts: string[] = [];
  if (f.producer) facts.push(`sent by ${f.producer}`);
  if (f.appendedAtUs >= 0) facts.push(`appended ${fmtTime(f.appendedAtUs)}`);
  if (f.ackedAtUs >= 0) facts.push(`acknowledged ${fmtTime(f.ackedAtUs)}`);
  if (f.lostAtUs >= 0) {
    facts.push(
      `last copy gone ${fmtTime(f.lostAtUs)}${f.lostOnBroker >= 0 ? ` on ${brokerName(f.lostOnBroker)}` : ''}`,
    );
  }
  facts.push(`copies at the end: ${f.copiesAtEnd}`);
  if (f.finalValue !== null && f.offset >= 0) facts.push(`offset ${f.offset} finally holds ${quote(f.finalValue)}`);
  box.append(...facts.map((x) => el('span', 'fact', x)));
}

function renderSteps(): void {
  byId('story').append(
    ...M.data.story.map((step, j) => {
      const li = el('li', `tone-${step.tone}${step.key ? ' key' : ' context'}`);
      li.dataset.index = String(j);
      li.append(el('span', 't', fmtTime(step.t)), el('span', 'txt', step.text));
      li.title = `Show the cluster at ${fmtTime(step.t)}`;
      li.addEventListener('click', () => actions.setScrub(step.t));
      return li;
    }),
  );
}

export function renderStory(): void {
  if (M.check) {
    byId('story-card').hidden = true;
    return;
  }
  const because = expectedText();
  byId('story-expected').hidden = because === null;
  byId('story-expected').textContent = because;
  if (!M.focus) {
    byId('lost-record').hidden = true;
    byId('story-title').textContent = 'What went wrong';
    byId('summary').textContent =
      M.data.summary ?? (M.data.anomalies.length ? M.data.anomalies[0].explanation : 'No anomaly.');
  } else {
    renderLostRecord();
    byId('summary').textContent = M.data.summary;
  }
  renderSteps();
  byId('story-hint').hidden = M.data.story.length === 0;
}

export function renderCex(): void {
  const c = M.data.cex;
  if (!c) return;
  byId('cex-card').hidden = false;
  byId('cex-reason').textContent = c.reason + (c.partitionKey !== null ? ` (key ${c.partitionKey})` : '');
  byId('cex-failed').textContent = c.failed >= 0 ? opLines(c.failed).join('\n') : 'not in the history';
  const n = c.prefix.length;
  byId('cex-prefix-title').textContent =
    `Longest linearizable prefix: ${n} operation${n === 1 ? '' : 's'}, in linearization order`;
  const shown = n > 200 ? [...c.prefix.slice(0, 100), -1, ...c.prefix.slice(-99)] : c.prefix;
  byId('cex-prefix').append(
    ...shown.map((o) => {
      if (o < 0) return el('li', 'muted', `… ${n - 199} more …`);
      const li = el('li', '', `${laneName(o)}: ${opLabel(o, 200)}  [${fmtTime(M.opT0[o])}]`);
      li.value = M.cexOrder.get(o) ?? 0;
      return li;
    }),
  );
}

export function renderFaults(): void {
  if (M.check) {
    byId('faults-card').hidden = true;
    return;
  }
  byId('faults-empty').hidden = M.data.faults.length > 0;
  byId('fault-rows').append(
    ...M.data.faults.map((f) => {
      const tr = el('tr');
      tr.append(
        el('td', 'num', f.id),
        el('td', '', f.description + (f.beyondPromise ? '  (beyond what Kafka promises)' : '')),
        el('td', '', f.trigger),
        el('td', 'num', f.startUs >= 0 ? fmtTime(f.startUs) : '—'),
        el('td', 'num', f.endUs >= 0 ? fmtTime(f.endUs) : 'never healed'),
      );
      tr.title = 'Show the cluster when it starts';
      tr.addEventListener('click', () => {
        if (f.startUs >= 0) actions.setScrub(f.startUs);
      });
      return tr;
    }),
  );
}

export function renderCommand(): void {
  byId('command-line').textContent = M.data.command || '(no command recorded)';
  const btn = byId<HTMLButtonElement>('copy-command');
  btn.hidden = !M.data.command;
  btn.addEventListener('click', () => {
    navigator.clipboard?.writeText(M.data.command).then(
      () => (btn.textContent = 'Copied'),
      () => (btn.textContent = 'Select and copy'),
    );
  });
}

export function renderDetails(): void {
  const list = byId('anomalies');
  for (const a of M.data.anomalies) {
    const d = el('div', `anomaly${a.informational ? ' informational' : ''}`);
    d.append(
      el('span', 'kind', a.kind + (a.expected ? ' (expected)' : a.informational ? ' (figure)' : '')),
      el('span', '', a.explanation),
    );
    if (a.details) d.appendChild(el('div', 'details', a.details));
    if (a.cycle) {
      const ol = el('ol', 'cycle');
      for (const step of a.cycle) {
        const li = el('li');
        li.append(el('span', 'kind', step.rel), el('span', '', ` ${step.text}`));
        ol.appendChild(li);
      }
      d.appendChild(ol);
    }
    list.appendChild(d);
  }
  if (!M.data.anomalies.length) list.appendChild(el('p', 'muted', 'none'));
  byId('config-rows').append(
    ...M.data.config.map(([k, v]) => {
      const tr = el('tr');
      tr.append(el('td', 'num', k), el('td', 'num', v));
      return tr;
    }),
  );
  byId('config-block').hidden = !M.data.config.length;
}
