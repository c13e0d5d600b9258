// "The cluster at <moment>": kafka-topics --describe of the shown topic, the replica table
// (with whose view of the leader differs from the controller's), and the dump log, rebuilt
// whenever the scrubber moves. Also the scrubber itself and the partition picker.
//
// Assumes the skeleton's snapshot card and the decoded model; actions wired by main.ts.

import { byId, el } from './dom.ts';
import { refreshDump, renderDump, renderDumpTabs, scrollDumpTo } from './dumplog.ts';
import { leaderDisagreements } from './leaders.ts';
import {
  M,
  ROLE,
  focusCopyAt,
  lastAtOrBefore,
  listOf,
  lowerBound,
  nodeStateAt,
  partitionAt,
  replicaAt,
  str,
} from './model.ts';
import { quorumModeLine, quorumStatusLines, type VoterAt } from '../quorum-status.ts';
import { consumerGroupLines, type DescribeRow, orderRows } from '../consumer-groups.ts';
import { actions, ui } from './state.ts';
import { fmtTime, quote } from './text.ts';

const TOPIC_CONFIGS = ['min.insync.replicas', 'unclean.leader.election.enable', 'cleanup.policy'];

function topicConfigs(): string {
  return M.data.config
    .filter(([k]) => TOPIC_CONFIGS.includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function describePartitionLine(topic: string, tp: number, r: number): string {
  const d = M.data.part;
  return (
    `\tTopic: ${topic}\tPartition: ${M.data.tpPartition[tp]}\tLeader: ${d.leader[r] < 0 ? 'none' : d.leader[r]}` +
    `\tReplicas: ${listOf(d.replicas[r])}\tIsr: ${listOf(d.isr[r])}\tElr: ${listOf(d.elr[r])}\tLastKnownElr: `
  );
}

function renderDescribe(): void {
  const pre = byId('describe');
  const topic = M.data.tpTopic[ui.curTp];
  pre.replaceChildren(
    el('span', 'prompt', `$ kafka-topics.sh --bootstrap-server localhost:9092 --describe --topic ${topic}\n`),
  );
  const tps = M.data.tps.map((_, j) => j).filter((j) => M.data.tpTopic[j] === topic);
  const rows = tps.map((j): [number, number] => [j, partitionAt(j, ui.scrubT)]).filter(([, r]) => r >= 0);
  if (!rows.length) {
    pre.appendChild(
      el('span', '', `Error while executing topic command : Topic '${topic}' does not exist as expected\n`),
    );
    return;
  }
  const rf = listOf(M.data.part.replicas[rows[0][1]]).split(',').filter(Boolean).length;
  pre.appendChild(
    el(
      'span',
      '',
      `Topic: ${topic}\tPartitionCount: ${tps.length}\tReplicationFactor: ${rf}\tConfigs: ${topicConfigs()}\n`,
    ),
  );
  for (const [tp, r] of rows) pre.appendChild(el('span', '', `${describePartitionLine(topic, tp, r)}\n`));
  if (M.data.controllers.some((c) => !nodeStateAt(c.id, ui.scrubT).up)) {
    pre.appendChild(el('span', 'note', '# the controller is down: this is the last metadata it committed\n'));
  }
  for (const s of leaderDisagreements(ui.curTp, ui.scrubT)) pre.appendChild(el('span', 'note', `# ${s}\n`));
  renderQuorumStatus(pre);
  renderConsumerGroups(pre);
}

/** The partition leader's HW at t (ListOffsets LATEST, READ_UNCOMMITTED), when a leader is known and up. */
function logEndAt(tp: number, t: number): number | undefined {
  const r = partitionAt(tp, t);
  const leader = r < 0 ? -1 : M.data.part.leader[r];
  if (leader < 0 || !nodeStateAt(leader, t).up) return undefined;
  return replicaAt(tp, leader, t)?.hw;
}

/** kafka-consumer-groups.sh --describe --group G at the scrubber's moment, for each group of the run. */
function renderConsumerGroups(pre: HTMLElement): void {
  const g = M.data.groups;
  if (g === undefined) return;
  const t = ui.scrubT;
  const groups = [...new Set([...g.spans.map((s) => s.group), ...g.commits.map((c) => c.group)])].sort();
  for (const group of groups) {
    const committed = new Map<number, number>();
    for (const c of g.commits) {
      if (c.t > t) break;
      if (c.group === group) committed.set(c.tp, c.offset);
    }
    const row = (tp: number, member: DescribeRow['member']): DescribeRow => ({
      topic: M.data.tpTopic[tp],
      partition: M.data.tpPartition[tp],
      current: committed.get(tp),
      logEnd: logEndAt(tp, t),
      member,
    });
    const rows: DescribeRow[] = [];
    const owned = new Set<number>();
    for (const s of g.spans) {
      if (s.group !== group || s.t0 > t || s.t1 <= t) continue;
      for (const tp of s.tps) {
        owned.add(tp);
        rows.push(row(tp, { id: s.member, host: `/${s.client}`, clientId: s.client }));
      }
    }
    for (const tp of committed.keys()) if (!owned.has(tp)) rows.push(row(tp, undefined));
    pre.appendChild(
      el(
        'span',
        'prompt',
        `\n$ kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group ${group}\n`,
      ),
    );
    if (rows.length === 0) {
      pre.appendChild(el('span', '', `\nError: Consumer group '${group}' does not exist.\n`));
      continue;
    }
    if (owned.size === 0) pre.appendChild(el('span', '', `\nConsumer group '${group}' has no active members.\n`));
    pre.appendChild(el('span', '', `\n${consumerGroupLines(group, orderRows(rows)).join('\n')}\n`));
    pre.appendChild(
      el('span', 'note', '# CURRENT-OFFSET: the last commit acknowledged by this moment (the history)\n'),
    );
  }
}

/** kafka-metadata-quorum.sh describe --status at the scrubber's moment (runs with Raft events). */
function renderQuorumStatus(pre: HTMLElement): void {
  if (M.quorumBy.size === 0) return;
  const q = M.data.quorum;
  const voters: VoterAt[] = M.data.controllers.map((c) => {
    const rows = M.quorumBy.get(c.id) ?? [];
    const k = lastAtOrBefore(rows, M.quorumT, ui.scrubT);
    const up = nodeStateAt(c.id, ui.scrubT).up;
    if (k < 0) return { id: c.id, up, role: 'unattached', epoch: 0, leaderId: -1, hw: 0, sinceUs: 0 };
    const r = rows[k];
    const role = str(q.role[r]) ?? 'unattached';
    return { id: c.id, up, role, epoch: q.ep[r], leaderId: q.leader[r], hw: q.hw[r], sinceUs: M.quorumT[r] };
  });
  // Observers: brokers that are not voters (a combined node's broker shares its voter's Raft client).
  const observers = M.data.brokers.map((b) => b.id).filter((id) => !M.data.controllers.some((c) => c.id === id));
  const brokerIds = M.data.brokers.map((b) => b.id);
  const mode = quorumModeLine(
    voters.map((v) => v.id),
    brokerIds,
  );
  pre.appendChild(el('span', '', `\n${mode}`));
  pre.appendChild(
    el('span', 'prompt', '\n$ kafka-metadata-quorum.sh --bootstrap-controller localhost:9093 describe --status\n'),
  );
  const leader = voters.find((v) => v.up && v.role === 'leader');
  const leaderHws: Array<[number, number]> = [];
  for (const r of M.quorumBy.get(leader?.id ?? -1) ?? []) {
    if (M.quorumT[r] > ui.scrubT) break;
    if (str(q.role[r]) === 'leader') leaderHws.push([M.quorumT[r], q.hw[r]]);
  }
  const lines = quorumStatusLines(M.data.clusterId, voters, observers, ui.scrubT, leaderHws);
  for (const line of lines) pre.appendChild(el('span', '', `${line}\n`));
}

function roleCell(br: number, role: number | null, leader: number): HTMLTableCellElement {
  if (role === null) return el('td', '', '—');
  const td = el('td', `role-${ROLE[role]}`, ROLE[role]);
  // The broker's own view; say so when the controller's record says otherwise.
  if (role === 1 && leader !== br)
    td.textContent = `leader (own view; controller: ${leader < 0 ? 'none' : `broker ${leader}`})`;
  if (role !== 1 && leader === br) td.textContent = `${ROLE[role]} (controller: leader)`;
  return td;
}

function replicaRow(br: { id: number; name: string }, isr: string[], leader: number): HTMLTableRowElement {
  const r = replicaAt(ui.curTp, br.id, ui.scrubT);
  const ns = nodeStateAt(br.id, ui.scrubT);
  const f = M.focus;
  const copy = f && ui.curTp === f.tp ? focusCopyAt(br.id, ui.scrubT) : -1;
  const holds = copy >= 0 ? `yes, offset ${M.verOff[copy]}` : '';
  const tr = el('tr', (ns.up ? '' : 'down') + (holds ? ' holds' : ''));
  tr.append(
    el('td', '', br.name),
    el('td', '', ns.up ? 'up' : `down${ns.cause ? ` (${ns.cause})` : ''}`),
    roleCell(br.id, r ? r.role : null, leader),
    el('td', 'num', r ? r.ep : '—'),
    el('td', 'num', r ? r.hw : '—'),
    el('td', 'num', r ? r.leo : '—'),
    el('td', '', isr.includes(String(br.id)) ? 'yes' : 'no'),
  );
  if (f) tr.appendChild(el('td', '', holds || 'no'));
  return tr;
}

function renderReplicaTable(): void {
  const pr = partitionAt(ui.curTp, ui.scrubT);
  const isr = pr >= 0 ? listOf(M.data.part.isr[pr]).split(',') : [];
  const leader = pr >= 0 ? M.data.part.leader[pr] : -1;
  byId('replica-rows').replaceChildren(...M.data.brokers.map((br) => replicaRow(br, isr, leader)));
  const head = byId('holds-head');
  head.hidden = !M.focus;
  if (M.focus) head.textContent = `Holds ${quote(M.focus.value, 24)}`;
}

function markStoryStep(): void {
  let current = -1;
  M.data.story.forEach((s, j) => {
    if (s.t <= ui.scrubT) current = j;
  });
  Array.from(byId('story').children).forEach((li, j) => li.classList.toggle('current', j === current));
}

/** Dumps broker br's log (and scrolls to offset off when given). */
export function pickDumpBroker(br: number, off?: number): void {
  ui.dumpBroker = br;
  renderSnapshot();
  if (off !== undefined) scrollDumpTo(off);
}

export function renderSnapshot(): void {
  if (M.check) return;
  byId('scrub-time').textContent = fmtTime(ui.scrubT);
  renderDescribe();
  renderReplicaTable();
  renderDumpTabs((br) => pickDumpBroker(br, M.focus && ui.curTp === M.focus.tp ? M.focus.offset : undefined));
  refreshDump();
  markStoryStep();
}

function stepTo(dir: number): void {
  const k = lowerBound(M.stops, ui.scrubT);
  const next = dir > 0 ? (M.stops[k] === ui.scrubT ? M.stops[k + 1] : M.stops[k]) : M.stops[k - 1];
  if (next !== undefined) actions.setScrub(next);
}

function initPartitionPicker(onChange: () => void): void {
  if (M.data.tps.length <= 1) return;
  const sel = byId<HTMLSelectElement>('tp-select');
  sel.hidden = false;
  M.data.tps.forEach((name, j) => {
    const o = el('option', '', name);
    o.value = String(j);
    sel.appendChild(o);
  });
  sel.value = String(ui.curTp);
  sel.addEventListener('change', () => {
    ui.curTp = Number(sel.value);
    onChange();
  });
}

/** Wires the scrubber, the prev/next buttons and the partition picker. */
export function initSnapshot(onPartitionChange: () => void): void {
  if (M.check) {
    byId('snapshot-card').hidden = true;
    return;
  }
  const range = byId<HTMLInputElement>('scrubber');
  range.min = String(M.data.startUs);
  range.max = String(M.data.endUs);
  range.step = '1';
  range.value = String(ui.scrubT);
  range.addEventListener('input', () => actions.setScrub(Number(range.value)));
  byId('prev-event').addEventListener('click', () => stepTo(-1));
  byId('next-event').addEventListener('click', () => stepTo(1));
  range.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const dir = e.key === 'ArrowLeft' ? -1 : 1;
    if (e.shiftKey) actions.setScrub(ui.scrubT + (dir * (M.data.endUs - M.data.startUs)) / 100);
    else stepTo(dir);
  });
  byId('dumplog').addEventListener('scroll', renderDump);
  initPartitionPicker(onPartitionChange);
}
