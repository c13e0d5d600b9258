// Who leads, according to whom: the controller's partition record names one leader; a broker
// may still believe it leads an older epoch (it has not heard of the election yet, or it is
// cut off). When the two views differ the page says which is which.
//
// Assumes the decoded model (model.ts); roles are 1 = leader (report-types.ts).

import { M, brokerName, nodeStateAt, partitionAt, replicaAt } from './model.ts';

/** A sentence for each broker whose own view of the leader differs from the controller's, at t. */
export function leaderDisagreements(tp: number, t: number): string[] {
  const pr = partitionAt(tp, t);
  if (pr < 0) return [];
  const leader = M.data.part.leader[pr];
  const epoch = M.data.part.ep[pr];
  const controllerSays =
    leader < 0
      ? `the controller's view: no leader (epoch ${epoch})`
      : `the controller's view: ${brokerName(leader)} leads in epoch ${epoch}`;
  const out: string[] = [];
  for (const br of M.data.brokers) {
    const r = replicaAt(tp, br.id, t);
    if (!r) continue;
    if (r.role === 1 && br.id !== leader) {
      const still = nodeStateAt(br.id, t).up ? 'it still leads' : 'it is down and last knew itself leader';
      out.push(`${controllerSays}; ${br.name}'s own view: ${still}, in epoch ${r.ep}`);
    } else if (br.id === leader && r.role !== 1) {
      out.push(`${controllerSays}; ${br.name}'s own view: it is not leader yet (epoch ${r.ep})`);
    }
  }
  return out;
}
