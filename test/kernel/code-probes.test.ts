// The code-probe mechanism (harness/code-probes.ts): a recorder marks the probes of its
// catalog, probes do nothing with no recorder installed, recordings nest and restore, and
// the per-seed hex bitset round-trips.

import { describe, expect, it } from 'vitest';
import { decodeProbeSet, encodeProbeSet, hitCodeProbe, startCodeProbes } from '../../harness/code-probes.ts';

const CATALOG = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('code probes', () => {
  it('records the probes hit while recording, once each, in catalog order', () => {
    const rec = startCodeProbes(CATALOG);
    hitCodeProbe('e');
    hitCodeProbe('b');
    hitCodeProbe('e');
    expect(rec.stop()).toEqual(['b', 'e']);
  });

  it('keeps the first 256 contexts of each probe: a frequent one does not crowd out a rare one', () => {
    const rec = startCodeProbes(CATALOG);
    for (let i = 0; i < 300; i++) hitCodeProbe('a', { i });
    hitCodeProbe('b', { rare: true });
    hitCodeProbe('c');
    rec.stop();
    const kept = rec.contexts();
    expect(kept.filter((h) => h.name === 'a')).toHaveLength(256);
    expect(kept.filter((h) => h.name === 'a').at(-1)?.context).toEqual({ i: 255 });
    expect(kept.at(-1)).toEqual({ name: 'b', context: { rare: true } });
  });

  it('ignores probes when nothing records, and after a recording stopped', () => {
    hitCodeProbe('a');
    const rec = startCodeProbes(CATALOG);
    expect(rec.stop()).toEqual([]);
    hitCodeProbe('c');
    expect(rec.stop()).toEqual([]);
  });

  it('restores the enclosing recording when a nested one stops', () => {
    const outer = startCodeProbes(CATALOG);
    hitCodeProbe('a');
    const inner = startCodeProbes(CATALOG);
    hitCodeProbe('b');
    expect(inner.stop()).toEqual(['b']);
    hitCodeProbe('c');
    expect(outer.stop()).toEqual(['a', 'c']);
  });

  it('refuses a name outside the catalog while recording', () => {
    const rec = startCodeProbes(CATALOG);
    try {
      expect(() => hitCodeProbe('zz')).toThrow(/not in the catalog/);
    } finally {
      rec.stop();
    }
  });

  it('encodes a set as a hex bitset over the catalog and back', () => {
    expect(encodeProbeSet(CATALOG, [])).toBe('00');
    expect(encodeProbeSet(CATALOG, ['a', 'f'])).toBe('12');
    for (const set of [[], ['a'], ['b', 'c', 'd', 'e'], CATALOG]) {
      expect(decodeProbeSet(CATALOG, encodeProbeSet(CATALOG, set))).toEqual(set);
    }
  });
});
