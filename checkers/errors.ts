// Errors a checker raises when its input is unusable (as opposed to a verdict about the
// input). Readers name the 1-based source line; later stages name the history position and,
// when the reader recorded it, the line it came from. The CLI maps these to exit code 2.

export class HistoryInputError extends Error {
  /** 1-based line in the source text, when known. */
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'HistoryInputError';
    this.line = line;
  }
}

/** The line an event came from, if the reader recorded one. */
export function sourceLineOf(sourceLines: readonly number[] | undefined, position: number): number | undefined {
  return sourceLines === undefined ? undefined : sourceLines[position];
}
