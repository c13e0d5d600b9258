// `kafka-consumer-groups.sh --describe --group G` of the live model (issue 15 item 6), as
// ConsumerGroupCommand prints it (tools/.../consumer/group/ConsumerGroupCommand.java,
// describeGroups → collectGroupsOffsets → printOffsets):
// - one row per partition assigned to a member with a non-empty assignment, members by
//   assignment size (largest first), each member's partitions by partition; then the group's
//   committed partitions no member owns, with "-" for CONSUMER-ID, HOST and CLIENT-ID;
// - CURRENT-OFFSET is the committed offset (Admin listConsumerGroupOffsets, not
//   requireStable: the coordinator's state at its last committed offset), here the replay of
//   the coordinator's `__consumer_offsets` partition below its HW; LOG-END-OFFSET is
//   ListOffsets LATEST with READ_UNCOMMITTED, the partition leader's HW; LAG their difference
//   ("-" when either is unknown: getLag);
// - the columns: "%-G %-T %-10s %-15s %-15s %-15s %-C %-H %s", G, T, C and H at least 15 wide
//   (printOffsetFormat), each line after a newline, then println;
// - "Consumer group 'G' has no active members." (Empty), "Warning: Consumer group 'G' is
//   rebalancing." (PreparingRebalance, CompletingRebalance; a KIP-848 consumer group's
//   Assigning, Reconciling), and "Error: Consumer group 'G'
//   does not exist." when there is nothing to show (shouldPrintMemberState).
// Assumes the caller found the group's loaded coordinator (or none: COORDINATOR_NOT_AVAILABLE).

/** One row of the table; undefined offsets print as "-". */
export interface GroupDescribeRow {
  topic: string;
  partition: number;
  currentOffset: number | undefined;
  logEndOffset: number | undefined;
  consumerId: string;
  host: string;
  clientId: string;
}

/** A member's assignment, as the coordinator holds it. */
export interface DescribedMember {
  memberId: string;
  host: string;
  clientId: string;
  partitions: ReadonlyArray<{ topic: string; partition: number }>;
}

/** ConsumerGroupCommand.MISSING_COLUMN_VALUE. */
const MISSING = '-';

/** The rows of printOffsets: owned partitions by member, then committed partitions no member owns. */
export function describeRows(
  members: readonly DescribedMember[],
  committed: ReadonlyMap<string, number>,
  logEndOffset: (topic: string, partition: number) => number | undefined,
): GroupDescribeRow[] {
  const rows: GroupDescribeRow[] = [];
  const owned = new Set<string>();
  const row = (topic: string, partition: number, m: DescribedMember | undefined): GroupDescribeRow => ({
    topic,
    partition,
    currentOffset: committed.get(`${topic}/${partition}`),
    logEndOffset: logEndOffset(topic, partition),
    consumerId: m?.memberId ?? MISSING,
    host: m?.host ?? MISSING,
    clientId: m?.clientId ?? MISSING,
  });
  const bySize = members.filter((m) => m.partitions.length > 0);
  bySize.sort((a, b) => b.partitions.length - a.partitions.length);
  for (const m of bySize) {
    for (const tp of [...m.partitions].sort((a, b) => a.partition - b.partition)) {
      owned.add(`${tp.topic}/${tp.partition}`);
      rows.push(row(tp.topic, tp.partition, m));
    }
  }
  const rest = [...committed.keys()].filter((k) => !owned.has(k)).map(splitTp);
  for (const tp of rest.sort((a, b) => a.partition - b.partition)) rows.push(row(tp.topic, tp.partition, undefined));
  return rows;
}

function splitTp(key: string): { topic: string; partition: number } {
  const cut = key.lastIndexOf('/');
  return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)) };
}

/** The text printOffsets (and shouldPrintMemberState) prints for one group in `state`. */
export function consumerGroupDescribeText(group: string, state: string, rows: readonly GroupDescribeRow[]): string {
  if (rows.length === 0) return `\nError: Consumer group '${group}' does not exist.\n`;
  let out = '';
  if (state === 'Empty') out += `\nConsumer group '${group}' has no active members.\n`;
  // ConsumerGroupCommand.shouldPrintMemberState: KIP-848's Assigning and Reconciling too
  if (
    state === 'PreparingRebalance' ||
    state === 'CompletingRebalance' ||
    state === 'Assigning' ||
    state === 'Reconciling'
  )
    out += `\nWarning: Consumer group '${group}' is rebalancing.\n`;
  const wide = (values: string[]) => Math.max(15, ...values.map((v) => v.length));
  const g = wide([group]);
  const t = wide(rows.map((r) => r.topic));
  const c = wide(rows.map((r) => r.consumerId));
  const h = wide(rows.map((r) => r.host));
  const line = (cells: string[]) =>
    `\n${cells[0].padEnd(g)} ${cells[1].padEnd(t)} ${cells[2].padEnd(10)} ${cells[3].padEnd(15)} ` +
    `${cells[4].padEnd(15)} ${cells[5].padEnd(15)} ${cells[6].padEnd(c)} ${cells[7].padEnd(h)} ${cells[8]}`;
  out += line([
    'GROUP',
    'TOPIC',
    'PARTITION',
    'CURRENT-OFFSET',
    'LOG-END-OFFSET',
    'LAG',
    'CONSUMER-ID',
    'HOST',
    'CLIENT-ID',
  ]);
  const shown = (n: number | undefined) => (n === undefined ? MISSING : String(n));
  for (const r of rows) {
    // getLag: a committed offset of -1 or an unknown end has no lag
    const lag =
      r.currentOffset === undefined || r.logEndOffset === undefined ? undefined : r.logEndOffset - r.currentOffset;
    out += line([
      group,
      r.topic,
      String(r.partition),
      shown(r.currentOffset),
      shown(r.logEndOffset),
      shown(lag),
      r.consumerId,
      r.host,
      r.clientId,
    ]);
  }
  return `${out}\n`;
}
