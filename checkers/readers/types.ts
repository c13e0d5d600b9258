// What every history reader returns: the events, the format they were read as, and for each
// event the 1-based source line it came from (so later stages can name the line too).

import type { History } from '../history.ts';
import type { RetentionDeletion } from '../retention.ts';

export type HistoryFormat = 'jsonl' | 'edn' | 'etcd-log' | 'trace';

export interface ReadResult {
  history: History;
  format: HistoryFormat;
  /** sourceLines[i] is the line of history[i]; absent for whole-document formats. */
  sourceLines?: number[];
  /** What the reader accepted but the user should know (e.g. time going backwards). */
  notes?: string[];
  /** A gregor trace's deletions by retention (its timeline's `log-start` events by segment deletion). */
  retention?: RetentionDeletion[];
}
