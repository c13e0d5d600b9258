// History readers: JSONL, Jepsen EDN (one map per line, or a vector), the etcd log format;
// format guessing from content; malformed input named by line.

import { describe, expect, it } from 'vitest';
import { detectFormat, HistoryInputError, pairOperations, readHistory } from '../../checkers/index.ts';

function errorOf(f: () => unknown): HistoryInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof HistoryInputError) return e;
    throw e;
  }
  throw new Error('expected a HistoryInputError');
}

const JSONL = [
  '{"index":0,"time":1200,"process":3,"type":"invoke","f":"send",' +
    '"value":{"topic":"t","partition":0,"key":"k1","value":"v17"}}',
  '{"index":1,"time":1450,"process":3,"type":"ok","f":"send",' +
    '"value":{"topic":"t","partition":0,"key":"k1","value":"v17","offset":4}}',
  '',
  '{"index":2,"time":1500,"process":5,"type":"invoke","f":"poll","value":{"topic":"t","partition":0,"offset":0}}',
  '{"index":3,"time":1600,"process":5,"type":"ok","f":"poll",' +
    '"value":{"topic":"t","partition":0,"offset":0,"records":[[0,"v1"],[1,"v2"]]}}',
].join('\n');

describe('JSONL', () => {
  it('reads the DESIGN §6 example, with source lines', () => {
    const r = readHistory(JSONL);
    expect(r.format).toBe('jsonl');
    expect(r.history).toHaveLength(4);
    expect(r.history[3].value).toEqual({
      topic: 't',
      partition: 0,
      offset: 0,
      records: [
        [0, 'v1'],
        [1, 'v2'],
      ],
    });
    expect(r.sourceLines).toEqual([1, 2, 4, 5]);
    expect(r.history.map((e) => e.index)).toEqual([0, 1, 2, 3]);
  });

  it('names the line of broken JSON', () => {
    const text = JSONL.split('\n');
    text[3] = '{"index":2,"time":1500,';
    const e = errorOf(() => readHistory(text.join('\n'), 'jsonl'));
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^line 4: not valid JSON/);
  });

  it('names the line of an event with a bad type or a bad Kafka value', () => {
    const bad = (line: string) => errorOf(() => readHistory(`${JSONL.split('\n')[0]}\n${line}`, 'jsonl'));
    expect(bad('{"time":1300,"process":3,"type":"done","f":"send","value":{}}').message).toMatch(
      /^line 2: "type" must be/,
    );
    expect(
      bad('{"time":1300,"process":3,"type":"ok","f":"send","value":{"topic":"t","partition":-1,"value":"x"}}').message,
    ).toMatch(/^line 2: send value needs an integer "partition"/);
    expect(
      bad('{"time":1300,"process":3,"type":"ok","f":"poll","value":{"topic":"t","partition":0,"offset":0}}').message,
    ).toMatch(/^line 2: an ok poll needs "records"/);
  });

  it('accepts time going backwards (file order is real-time order) with a note naming the line', () => {
    const earlier = '{"time":5,"process":3,"type":"invoke","f":"send","value":{"topic":"t","partition":0,"value":"x"}}';
    const text = `${JSONL.split('\n')[0]}\n${earlier}`;
    const r = readHistory(text, 'jsonl');
    expect(r.history.map((e) => e.time)).toEqual([1200, 5]);
    expect(r.notes).toEqual([
      expect.stringMatching(/^time goes backwards at 1 event\(s\), first at line 2: file order/),
    ]);
    expect(readHistory(JSONL).notes).toBeUndefined();
  });

  it('reads a JSON array of events and a gregor trace', () => {
    const events = JSONL.split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l));
    expect(readHistory(JSON.stringify(events)).history).toHaveLength(4);
    const trace = JSON.stringify({ format: 'gregor-trace', version: 1, history: events }, null, 2);
    const r = readHistory(trace);
    expect(r.format).toBe('trace');
    expect(r.history).toHaveLength(4);
  });
});

describe('EDN', () => {
  it('reads one map per line (Porcupine kv style), keywords as strings, nil as null', () => {
    const r = readHistory(
      '{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}\n{:process 1, :type :invoke, :f :get, ' +
        ':key "9", :value nil}\n',
    );
    expect(r.format).toBe('edn');
    expect(r.history[0]).toMatchObject({ process: 9, type: 'invoke', f: 'append', key: '0', value: 'x 9 0 y' });
    expect(r.history[1].value).toBeNull();
  });

  it('reads a vector of maps over several lines, drops nemesis ops, converts ns to µs, unwraps tagged maps', () => {
    const text = [
      '[{:index 0 :time 1000000 :process 0 :type :invoke :f :write :value 3}',
      ' {:index 1 :time 2000000 :process :nemesis :type :info :f :start :value nil}',
      ' #jepsen.history.Op{:index 2 :time 3000000 :process 0 :type :ok :f :write :value 3}',
      ' {:index 3 :time 4000000 :process 1 :type :invoke :f :cas :value [3 4]} ; a comment',
      ' {:index 4 :time 5000000 :process 1 :type :fail :f :cas :value [3 4] :error [:mismatch "x"]}]',
    ].join('\n');
    const r = readHistory(text);
    expect(r.format).toBe('edn');
    expect(r.history).toHaveLength(4);
    expect(r.history.map((e) => e.time)).toEqual([1000, 3000, 4000, 5000]);
    expect(r.history[2].value).toEqual([3, 4]);
    expect(r.history[3].error).toBe('["mismatch","x"]');
    expect(r.sourceLines).toEqual([1, 3, 4, 5]);
  });

  it('names the line of an unclosed map and of a map without :type', () => {
    expect(
      errorOf(() => readHistory('{:process 0 :type :invoke :f :read :value nil}\n{:process 0 :type :ok\n', 'edn')).line,
    ).toBe(2);
    const e = errorOf(() =>
      readHistory('{:process 0 :type :invoke :f :read :value nil}\n\n{:process 0 :f :read :value 1}\n'),
    );
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/"type"/);
    expect(
      errorOf(() =>
        readHistory(
          '[{:process 0 :type :invoke :f :read :value nil}\n {:process 0 :type :ok :f :read :value 1]\n',
          'edn',
        ),
      ).line,
    ).toBe(2);
  });
});

describe('etcd log', () => {
  const LOG = [
    'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]',
    'INFO  jepsen.util - 2   :invoke :write  4',
    'INFO  jepsen.util - 0\t:ok\t:read\tnil',
    'INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]',
    'INFO  jepsen.util - 2\t:info\t:write\t:timed-out',
    'INFO  jepsen.util - 3\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 3\t:fail\t:read\t:timed-out',
    'INFO  jepsen.util - 4\t:invoke\t:write\t1',
  ].join('\n');

  it('maps each line kind as the corpus README says', () => {
    const r = readHistory(LOG);
    expect(r.format).toBe('etcd-log');
    const h = r.history;
    expect(h[3]).toMatchObject({ type: 'ok', f: 'read', value: null });
    expect(h[4]).toMatchObject({ type: 'fail', f: 'cas', value: [1, 2], error: 'compare-failed' });
    expect(h[5]).toMatchObject({ type: 'info', f: 'write', value: 4, error: 'timed-out' });
    expect(h[7]).toMatchObject({ type: 'info', f: 'read', error: 'timed-out' });
    const ops = pairOperations(h);
    expect(ops.map((o) => o.outcome)).toEqual(['ok', 'fail', 'info', 'info', 'info']);
    expect(ops[4].completePos).toBe(-1); // an invoke with no return line
  });

  it('names the line of anything else', () => {
    const e = errorOf(() => readHistory(LOG + '\nINFO  jepsen.util - 4\t:ok\t:frob\t1'));
    expect(e.line).toBe(10);
    const f = errorOf(() => readHistory(LOG.replace(':write  4', ':write  [1 2]')));
    expect(f.line).toBe(3);
  });
});

describe('format guessing', () => {
  it('looks at the content only', () => {
    expect(detectFormat(JSONL)).toBe('jsonl');
    expect(detectFormat('  \n{:process 0 :type :invoke :f :read :value nil}')).toBe('edn');
    expect(detectFormat('[\n {:process 0}]')).toBe('edn');
    expect(detectFormat('INFO  jepsen.util - 0\t:invoke\t:read\tnil')).toBe('etcd-log');
    expect(detectFormat('[{"process":0}]')).toBe('jsonl');
    expect(detectFormat('{\n  "format": "gregor-trace"\n}')).toBe('trace');
    // a trace written on one line (as the fuzzer writes them) is not a JSONL event
    expect(detectFormat('{"format":"gregor-trace","version":1,"history":[]}\n')).toBe('trace');
    expect(detectFormat('')).toBeUndefined();
    expect(() => detectFormat('hello world')).toThrow(/cannot tell the history format/);
  });

  it('reads blank input as an empty history', () => {
    expect(readHistory('\n\n').history).toEqual([]);
  });
});

describe('pairing', () => {
  it('rejects a completion without an invoke, and two operations in flight on one process', () => {
    const r = readHistory('{"process":1,"type":"ok","f":"read","value":1}\n');
    expect(() => pairOperations(r.history, r.sourceLines)).toThrow(/line 1: .*has no invoke/);
    const two = readHistory(
      '{"process":1,"type":"invoke","f":"read","value":null}\n{"process":1,"type":"invoke","f":"read","value":null}\n',
    );
    expect(() => pairOperations(two.history, two.sourceLines)).toThrow(/line 2: .*has not completed/);
  });
});
