// `npm run demo` (issue 11) as a user types it: the classic demo on the model — 3 brokers, a
// topic with replication factor 3, kill the leader — prints `kafka-topics.sh --describe`
// before and after exactly as Kafka 4.x lays it out (tab-separated, TopicCommand.java), the
// new leader from the ISR and the ISR without the killed broker, a send and a poll that
// still work, and the path of the report it wrote under ./gregor-out; the same seed prints
// the same story; exit 0.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers.ts';
import { kafkaTopicsDescribe } from '../../cli/demo.ts';
import { topicIdOf } from '../../model/topic-id.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gregor-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function demo(args: readonly string[]) {
  const r = spawnSync('npm', ['run', '-s', 'demo', '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TOPIC_LINE =
  /^Topic: t\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 1\tReplicationFactor: 3\tConfigs: min\.insync\.replicas=2$/;
const PARTITION_LINE =
  /^\tTopic: t\tPartition: 0\tLeader: (\d)\tReplicas: ([\d,]+)\tIsr: ([\d,]+)\tElr: \tLastKnownElr: $/;

function partitionLines(stdout: string): Array<{ leader: number; replicas: number[]; isr: number[] }> {
  return stdout
    .split('\n')
    .map((l) => PARTITION_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ leader: Number(m[1]), replicas: m[2].split(',').map(Number), isr: m[3].split(',').map(Number) }));
}

describe('npm run demo', () => {
  it('kill the leader: describe before and after as Kafka prints it, a send, a poll, the report; exit 0', () => {
    const r = demo([]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => TOPIC_LINE.test(l))).toHaveLength(2);
    const [before, after] = partitionLines(r.stdout);
    expect(before.replicas.slice().sort()).toEqual([1, 2, 3]);
    expect(before.isr.slice().sort()).toEqual([1, 2, 3]);
    expect(after.leader).not.toBe(before.leader);
    expect(before.isr).toContain(after.leader); // elected from the ISR
    expect(after.isr.slice().sort()).toEqual([1, 2, 3].filter((b) => b !== before.leader));
    expect(r.stdout).toContain(`kill -9 broker ${before.leader} (the leader of t-0)`);
    expect(r.stdout).toMatch(/^ {2}send {2}"p200-\d+" → t-0 offset \d+, acknowledged \(acks=all\)/m);
    expect(r.stdout).toMatch(/^ {2}poll {2}t-0 from offset \d+: \d+ record\(s\)/m);
    expect(r.stdout).toMatch(/^verdict: ok /m);
    const report = /^report: (\S+)$/m.exec(r.stdout)?.[1] ?? '';
    expect(report).toBe('gregor-out/demo-seed-1.html');
    expect(readFileSync(join(ROOT, report), 'utf8')).toMatch(/^<!doctype html>/i);
    const trace = /^trace: +(\S+) /m.exec(r.stdout)?.[1] ?? '';
    expect(existsSync(join(ROOT, trace))).toBe(true);
  });

  it('the same seed prints the same story; another seed, with --out, another', () => {
    const a = demo(['--seed', '2', '--out', tmp]);
    const b = demo(['--seed', '2', '--out', tmp]);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout).toContain(`report: ${join(tmp, 'demo-seed-2.html')}`);
    expect(existsSync(join(tmp, 'demo-seed-2.html'))).toBe(true);
    expect(a.stdout).not.toBe(demo([]).stdout);
  });

  it('bad usage: one line, exit 2', () => {
    const r = demo(['--seed', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['gregor demo: --seed must be a whole number, got "x"']);
  });
});

describe('npm run demo -- --controller zookeeper (issue 16)', () => {
  it("plays seed 000's cluster: describe as Kafka 2.8–3.x prints it, the leader moves once its session expires", () => {
    const r = demo(['--controller', 'zookeeper', '--out', tmp]);
    expect(r.code).toBe(0);
    const topic = /^Topic: t\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 1\tReplicationFactor: 3\tConfigs: $/;
    expect(r.stdout.split('\n').filter((l) => topic.test(l))).toHaveLength(2);
    const partition = /^\tTopic: t\tPartition: 0\tLeader: (\d)\tReplicas: ([\d,]+)\tIsr: ([\d,]+)$/gm;
    const [before, after] = [...r.stdout.matchAll(partition)].map((m) => ({ leader: Number(m[1]), isr: m[3] }));
    expect(before).toEqual({ leader: 2, isr: '2,1,3' });
    expect(r.stdout).toContain('\tReplicas: 2,1,3\t');
    expect(after.leader).not.toBe(2);
    expect(after.isr.split(',')).not.toContain('2');
    expect(r.stdout).toContain('ZooKeeper session expires');
    expect(r.stdout).toMatch(/^verdict: ok /m);
  });
});

describe('kafka-topics.sh --describe, as TopicCommand.java prints it', () => {
  it('tab-separated, Elr and LastKnownElr columns (Kafka 4.x), non-default configs only', () => {
    const text = kafkaTopicsDescribe('AAAAAAAAAAAAAAAAAAAAAA', 2, [
      { topic: 'test-topic', partition: 0, leader: 2, replicas: [2, 1, 3], isr: [2, 1, 3], elr: [] },
    ]);
    expect(text).toBe(
      'Topic: test-topic\tTopicId: AAAAAAAAAAAAAAAAAAAAAA\tPartitionCount: 1\tReplicationFactor: 3\t' +
        'Configs: min.insync.replicas=2\n' +
        '\tTopic: test-topic\tPartition: 0\tLeader: 2\tReplicas: 2,1,3\tIsr: 2,1,3\tElr: \tLastKnownElr: ',
    );
    const leaderless = kafkaTopicsDescribe('x', 2, [
      { topic: 't', partition: 0, leader: -1, replicas: [1, 2, 3], isr: [3], elr: [1], lastKnownElr: [2] },
    ]);
    expect(leaderless.split('\n')[1]).toBe(
      '\tTopic: t\tPartition: 0\tLeader: none\tReplicas: 1,2,3\tIsr: 3\tElr: 1\tLastKnownElr: 2',
    );
  });

  it('topic ids look like Kafka Uuid strings (22 URL-safe base64 characters) and depend on the seed', () => {
    expect(topicIdOf(1, 't')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(topicIdOf(1, 't')).toBe(topicIdOf(1, 't'));
    expect(topicIdOf(2, 't')).not.toBe(topicIdOf(1, 't'));
  });
});
