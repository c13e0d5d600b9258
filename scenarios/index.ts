// The public surface of scenarios/: the fault vocabulary, the arbitraries, the named
// scenarios and the variant table, for the fuzzer and for users' own properties.
export * from './faults.ts';
export * from './input.ts';
export * from './durations.ts';
export * from './arbitraries.ts';
export * from './patterns.ts';
export * from './named.ts';
export * from './variants.ts';
