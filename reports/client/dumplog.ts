// kafka-dump-log of one broker's replica of the shown partition at the chosen moment,
// virtualised: a list of {text, cls} lines drawn into a pool of absolutely placed divs.
//
// Assumes the skeleton's #dumplog / #dumplog-spacer / #dump-tabs and the decoded model.

import { byId, el } from './dom.ts';
import {
  M,
  brokerName,
  isFocusVersion,
  liveAt,
  nodeStateAt,
  replicaAt,
  segmentsAt,
  type SegmentsAt,
  verEp,
  versionsOf,
} from './model.ts';
import { ui } from './state.ts';
import { fmtTime } from './text.ts';

interface DumpLine {
  text: string;
  cls: string;
  off?: number;
}

const DUMP = { lines: [] as DumpLine[], pool: [] as HTMLDivElement[], rowH: 18 };

/** `<base offset, 20 digits>.log` (LogFileUtils.logFile). */
function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}.log`;
}

function recordLines(live: number[], hw: number, seg: SegmentsAt, dir: string): DumpLine[] {
  const lines: DumpLine[] = [];
  let hwShown = false;
  let rpShown = seg.recoveryPoint < 0;
  let segment = -1; // index in seg.bases of the segment whose header was printed last
  live.forEach((x, q) => {
    const off = M.verOff[x];
    const batch = M.verBatch[x];
    let s = segment;
    while (s + 1 < seg.bases.length && seg.bases[s + 1] <= off) s++;
    if (s !== segment && s >= 0) lines.push({ text: `Dumping ${dir}/${segmentName(seg.bases[s])}`, cls: 'meta' });
    segment = s;
    if (!rpShown && off >= seg.recoveryPoint) {
      const text =
        `# ──── recovery point ${seg.recoveryPoint}: records below are fsynced; ` +
        'from here on in the page cache ────';
      lines.push({ text, cls: 'meta' });
      rpShown = true;
    }
    if (!hwShown && hw >= 0 && off >= hw) {
      const text = `# ──── high watermark ${hw}: records below are not committed ────`;
      lines.push({ text, cls: 'hw' });
      hwShown = true;
    }
    if (q === 0 || M.verBatch[live[q - 1]] !== batch) {
      let end = q;
      while (end + 1 < live.length && M.verBatch[live[end + 1]] === batch) end++;
      lines.push({
        text:
          `baseOffset: ${off} lastOffset: ${M.verOff[live[end]]} count: ${end - q + 1} ` +
          `partitionLeaderEpoch: ${verEp(x)}`,
        cls: 'batch',
        off,
      });
    }
    const cls = isFocusVersion(x) ? 'lost' : hwShown ? 'uncommitted' : '';
    lines.push({ text: `| offset: ${off} payload: ${M.data.strings[M.data.verVal[x]]}`, cls, off });
  });
  if (!hwShown && hw >= 0) {
    const leo = M.verOff[live[live.length - 1]] + 1;
    lines.push({ text: `# ──── high watermark ${hw} (log end offset ${leo}) ────`, cls: 'hw' });
  }
  return lines;
}

/**
 * The segments as describe's `kafka-log-dirs` view lists them (model/cluster-view.ts
 * describeSegments): file, offsets, when rolled, and which offsets are fsynced (below the
 * recovery point) or only in the page cache. Write-back by the kernel is not in the trace.
 */
function segmentLines(seg: SegmentsAt, leo: number): DumpLine[] {
  const lines: DumpLine[] = [];
  seg.bases.forEach((base, i) => {
    const end = i + 1 < seg.bases.length ? seg.bases[i + 1] : Math.max(base, leo);
    const rp = seg.recoveryPoint < 0 ? -1 : Math.max(base, Math.min(seg.recoveryPoint, end));
    const state = rp < 0 ? '' : `  fsynced ${rangeText(base, rp)}  page cache ${rangeText(rp, end)}`;
    const text =
      `# segment ${segmentName(base)}  offsets ${rangeText(base, end)}  ` +
      `rolled ${fmtTime(seg.createdAt[i])}${state}`;
    lines.push({ text, cls: 'meta' });
  });
  return lines;
}

function rangeText(from: number, to: number): string {
  return to > from ? `${from}–${to - 1}` : 'none';
}

function dumpLines(br: number): DumpLine[] {
  const dir = `/var/lib/kafka/data/${M.data.tps[ui.curTp]}`;
  // With segment events (reports from issue 12 on), one `Dumping` header per segment file.
  const seg = segmentsAt(ui.curTp, br, ui.scrubT);
  const files = seg.bases.length > 0 ? `${dir}/*.log` : `${dir}/00000000000000000000.log`;
  const lines: DumpLine[] = [{ text: `$ kafka-dump-log.sh --print-data-log --files ${files}`, cls: 'meta' }];
  const ns = nodeStateAt(br, ui.scrubT);
  if (!ns.up) lines.push({ text: `# ${brokerName(br)} is down (${ns.cause}): the log as it is on disk`, cls: 'hw' });
  if (seg.bases.length === 0) lines.push({ text: `Dumping ${files}`, cls: 'meta' });
  const live = (versionsOf(ui.curTp, br)?.list ?? []).filter((x) => liveAt(x, ui.scrubT));
  if (!live.length) {
    lines.push({ text: `# no records on ${brokerName(br)} at ${fmtTime(ui.scrubT)}`, cls: 'hw' });
    return lines;
  }
  lines.push(...segmentLines(seg, M.verOff[live[live.length - 1]] + 1));
  lines.push({ text: `Log starting offset: ${M.verOff[live[0]]}`, cls: 'meta' });
  const r = replicaAt(ui.curTp, br, ui.scrubT);
  return lines.concat(recordLines(live, r ? r.hw : -1, seg, dir));
}

export function renderDump(): void {
  const box = byId('dumplog');
  const spacer = byId('dumplog-spacer');
  spacer.style.height = `${DUMP.lines.length * DUMP.rowH}px`;
  const first = Math.max(0, Math.floor(box.scrollTop / DUMP.rowH) - 2);
  const count = Math.ceil(box.clientHeight / DUMP.rowH) + 5;
  while (DUMP.pool.length < count) DUMP.pool.push(spacer.appendChild(el('div', 'row')));
  DUMP.pool.forEach((row, j) => {
    const n = first + j;
    const line = DUMP.lines[n];
    row.hidden = j >= count || line === undefined;
    if (row.hidden) return;
    row.className = `row ${line.cls}`;
    row.style.top = `${n * DUMP.rowH}px`;
    row.textContent = line.text;
  });
}

/** Rebuilds the dump of the chosen broker at the chosen moment, keeping the scroll position. */
export function refreshDump(): void {
  const box = byId('dumplog');
  const keep = box.scrollTop;
  DUMP.lines = dumpLines(ui.dumpBroker);
  box.scrollTop = keep;
  renderDump();
}

export function scrollDumpTo(off: number): void {
  const j = DUMP.lines.findIndex((l) => l.off === off);
  if (j >= 0) byId('dumplog').scrollTop = Math.max(0, (j - 4) * DUMP.rowH);
  renderDump();
}

export function dumpText(): string {
  return DUMP.lines.map((l) => l.text).join('\n');
}

/** The broker tabs; onPick(broker) switches the dump to it. */
export function renderDumpTabs(onPick: (broker: number) => void): void {
  const tabs = byId('dump-tabs');
  tabs.replaceChildren(el('span', 'muted', 'kafka-dump-log on: '));
  for (const br of M.data.brokers) {
    const bt = el('button', br.id === ui.dumpBroker ? 'on' : '', br.name);
    bt.addEventListener('click', () => onPick(br.id));
    tabs.appendChild(bt);
  }
}
