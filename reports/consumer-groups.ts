// `kafka-consumer-groups.sh --describe --group G` for a moment of a run, from the history's
// group operations (ReportData.groups): the report's describe view, so it imports nothing.
// The layout is ConsumerGroupCommand.printOffsets' (tools/.../consumer/group/
// ConsumerGroupCommand.java): "%-G %-T %-10s %-15s %-15s %-15s %-C %-H %s" with G, T, C and H at
// least 15 wide (printOffsetFormat), "-" for what is missing (MISSING_COLUMN_VALUE), members
// with the most partitions first, each member's partitions by partition, then the committed
// partitions no member owns.
//
// Assumes the caller's rows: CURRENT-OFFSET is what the history shows (the last acknowledged
// commit at that moment, where Kafka's tool asks the coordinator), LOG-END-OFFSET the partition
// leader's HW then (ListOffsets LATEST, READ_UNCOMMITTED), a member's partitions those of the
// last assignment it was handed and has not left.

export interface DescribeRow {
  topic: string;
  partition: number;
  /** Undefined: no committed offset ("-"). */
  current: number | undefined;
  /** Undefined: no leader known ("-"). */
  logEnd: number | undefined;
  /** Undefined: no member owns it ("-" for CONSUMER-ID, HOST, CLIENT-ID). */
  member: { id: string; host: string; clientId: string } | undefined;
}

/** The header and one line per row, as printOffsets prints them (without the leading empty line). */
export function consumerGroupLines(group: string, rows: readonly DescribeRow[]): string[] {
  const wide = (values: string[]) => Math.max(15, ...values.map((v) => v.length));
  const g = wide([group]);
  const t = wide(rows.map((r) => r.topic));
  const c = wide(rows.map((r) => r.member?.id ?? '-'));
  const h = wide(rows.map((r) => r.member?.host ?? '-'));
  const line = (x: string[]) =>
    `${x[0].padEnd(g)} ${x[1].padEnd(t)} ${x[2].padEnd(10)} ${x[3].padEnd(15)} ${x[4].padEnd(15)} ` +
    `${x[5].padEnd(15)} ${x[6].padEnd(c)} ${x[7].padEnd(h)} ${x[8]}`;
  const shown = (n: number | undefined) => (n === undefined ? '-' : String(n));
  const out = [
    line([
      'GROUP',
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'CONSUMER-ID',
      'HOST',
      'CLIENT-ID',
    ]),
  ];
  for (const r of rows) {
    const lag = r.current === undefined || r.logEnd === undefined ? undefined : r.logEnd - r.current;
    const m = r.member;
    out.push(
      line([
        group,
        r.topic,
        String(r.partition),
        shown(r.current),
        shown(r.logEnd),
        shown(lag),
        m?.id ?? '-',
        m?.host ?? '-',
        m?.clientId ?? '-',
      ]),
    );
  }
  return out;
}

/** printOffsets' row order: members by partition count (most first), their partitions, then the unowned. */
export function orderRows(rows: readonly DescribeRow[]): DescribeRow[] {
  const count = new Map<string, number>();
  for (const r of rows) if (r.member !== undefined) count.set(r.member.id, (count.get(r.member.id) ?? 0) + 1);
  const owned = rows.filter((r) => r.member !== undefined);
  const members = [...new Set(owned.map((r) => r.member!.id))].sort((a, b) => count.get(b)! - count.get(a)!);
  const byPartition = (a: DescribeRow, b: DescribeRow) => a.partition - b.partition;
  return [
    ...members.flatMap((id) => owned.filter((r) => r.member!.id === id).sort(byPartition)),
    ...rows.filter((r) => r.member === undefined).sort(byPartition),
  ];
}
