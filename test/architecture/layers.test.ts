// The layout is the architecture (DESIGN §1): top-level folders in dependency order, imports
// pointing one way. This test reads every relative import of the repository and fails on one
// that breaks a direction, names the file and line, and also fails on a run-time import
// cycle anywhere (a cycle that works only by the order of re-exports is a bug waiting).

import { describe, expect, it } from 'vitest';
import { importGraph, importsOf, layerOf, valueCycles, type ImportEdge } from './import-graph.ts';

/**
 * What each layer may import besides itself. `types:` entries may be imported for types only;
 * a file path allows just that file.
 */
const ALLOWED: Record<string, readonly string[]> = {
  harness: [],
  checkers: [],
  model: ['harness', 'types:checkers/history.ts', 'types:checkers/cluster-state.ts'],
  scenarios: ['model/config.ts', 'model/code-probes.ts', 'types:harness'],
  reports: ['checkers'],
  driver: ['harness', 'model', 'scenarios', 'checkers', 'reports'],
  campaign: ['harness', 'model', 'scenarios', 'checkers', 'reports', 'driver'],
  cli: ['harness', 'model', 'scenarios', 'checkers', 'reports', 'driver', 'campaign'],
};

/** Layers free to import anything (they sit above everything). */
const UNRESTRICTED = new Set(['test', 'bench', 'scripts', '']);

function allows(rule: string, edge: ImportEdge): boolean {
  const typesOnly = rule.startsWith('types:');
  const target = typesOnly ? rule.slice('types:'.length) : rule;
  if (typesOnly && !edge.typeOnly) return false;
  return target.includes('/') ? edge.to === target : layerOf(edge.to) === target;
}

/** Why an edge breaks the layering, or undefined when it is allowed. */
export function violation(edge: ImportEdge): string | undefined {
  const from = layerOf(edge.from);
  const to = layerOf(edge.to);
  if (from === to || UNRESTRICTED.has(from)) return undefined;
  const rules = ALLOWED[from];
  if (rules === undefined) return `${edge.from}: folder '${from}' has no layering rule (add it to ALLOWED)`;
  if (rules.some((r) => allows(r, edge))) return undefined;
  const kind = edge.typeOnly ? 'type import' : 'import';
  return (
    `${edge.from}:${edge.line}: ${from}/ may not ${kind} ${edge.to} (allowed: ` +
    `${rules.join(', ') || 'nothing outside itself'})`
  );
}

describe('layering', () => {
  const edges = importGraph();

  it('sees the imports of every layer', () => {
    for (const layer of Object.keys(ALLOWED)) expect(edges.some((e) => layerOf(e.from) === layer)).toBe(true);
  });

  it('every import points down the layers', () => {
    expect(edges.map(violation).filter((v) => v !== undefined)).toEqual([]);
  });

  it('no run-time import cycle', () => {
    expect(valueCycles(edges).map((c) => c.join(' -> '))).toEqual([]);
  });
});

describe('the layering rules themselves', () => {
  const edge = (from: string, source: string): ImportEdge => {
    const [e] = importsOf(from, source);
    if (e === undefined) throw new Error('no import parsed');
    return e;
  };

  it('rejects the kernel importing the model, and the model importing the driver', () => {
    expect(violation(edge('harness/simulation.ts', "import { Broker } from '../model/broker.ts';"))).toMatch(
      /harness\/ may not/,
    );
    expect(violation(edge('model/broker.ts', "import { runScenario } from '../driver/run.ts';"))).toMatch(
      /model\/ may not/,
    );
  });

  it('allows the model only types from the checkers, and only history and snapshots', () => {
    expect(
      violation(edge('model/cluster.ts', "import type { History } from '../checkers/history.ts';")),
    ).toBeUndefined();
    expect(violation(edge('model/cluster.ts', "import { checkKafka } from '../checkers/history.ts';"))).toMatch(
      /may not import/,
    );
    expect(violation(edge('model/cluster.ts', "import type { Verdict } from '../checkers/verdict.ts';"))).toMatch(
      /may not/,
    );
  });

  it('reads multi-line, dynamic and URL imports', () => {
    const src =
      "import {\n  a,\n  b,\n} from '../checkers/kafka.ts';\n" +
      "const m = import('../model/x.ts');\nnew URL('./w.mjs', import.meta.url);";
    expect(importsOf('reports/r.ts', src).map((e) => [e.to, e.line])).toEqual([
      ['checkers/kafka.ts', 1],
      ['model/x.ts', 5],
      ['reports/w.mjs', 6],
    ]);
  });

  it('finds a run-time cycle and ignores a type-only one', () => {
    const e = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly, line: 1 });
    expect(valueCycles([e('a.ts', 'b.ts'), e('b.ts', 'a.ts')])).toHaveLength(1);
    expect(valueCycles([e('a.ts', 'b.ts'), e('b.ts', 'a.ts', true)])).toHaveLength(0);
  });
});
