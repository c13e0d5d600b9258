// One end of a ZooKeeper client connection (ClientCnxn ↔ NIOServerCnxn) over the simulated
// network, as TCP carries it: nothing sent is lost while the connection lives, and it lives
// until an end gives it up (the client's read timeout, a server that closes it). The kernel's
// network drops what a cut catches without telling either end; TCP would retransmit it once
// the path is back. So each message carries a sequence number and the last one received from
// the other end (an acknowledgement); an end keeps what it sent until acknowledged, and on a
// gap asks the other end to send again from the missing number (ZkResend, itself unnumbered:
// the next numbered message shows the gap again if it is lost). Duplicates are dropped.
// Assumes both ends open the connection together: the client's ZkConnect is its first
// message, the server's answer (ZkConnectResponse, or ZkClose) its first.
// Each connection has an id (the client's attempt: ClientCnxnSocketNIO opens a new socket per
// ClientCnxn.SendThread.startConnect, and cleanup closes the old one), carried by every message
// on it: what arrives stamped with another id travelled on another socket, which TCP never
// delivers on this one (a late ConnectResponse to an abandoned attempt is not this one's answer).

import type { ZkMessage } from './zk-protocol.ts';

interface Sent {
  readonly seq: number;
  readonly msg: ZkMessage;
}

export type ZkArrival = 'deliver' | 'duplicate' | 'gap' | 'other-connection';

export class ZkConnectionEnd {
  private toSeq = 0;
  /** The last number delivered from the other end; -1 until its first message (any number) opens it. */
  private fromSeq = -1;
  private outbox: Sent[] = [];

  /** `id`: the connection's number, the client's attempt (its virtual time in µs). */
  constructor(readonly id = 0) {}

  /** Whether `msg` travelled on another connection (another socket) than this one. */
  other(msg: ZkMessage): boolean {
    const conn = (msg as { conn?: number }).conn;
    return typeof conn === 'number' && conn !== this.id;
  }

  /** Numbers `msg` and keeps it until acknowledged; returns what goes on the wire. */
  stamp(msg: ZkMessage): ZkMessage {
    const seq = ++this.toSeq;
    const wire = { ...msg, seq, ack: this.fromSeq, conn: this.id } as unknown as ZkMessage;
    this.outbox.push({ seq, msg });
    return wire;
  }

  /** What to do with a numbered message from the other end (its acknowledgement is taken either way). */
  arrive(msg: ZkMessage): ZkArrival {
    if (this.other(msg)) return 'other-connection';
    const m = msg as { seq?: number; ack?: number };
    if (typeof m.ack === 'number' && m.ack >= 0) {
      const ack = m.ack;
      if (this.outbox.length > 0 && this.outbox[0].seq <= ack) this.outbox = this.outbox.filter((s) => s.seq > ack);
    }
    const seq = m.seq ?? 0;
    if (this.fromSeq < 0 || seq === this.fromSeq + 1) {
      this.fromSeq = seq;
      return 'deliver';
    }
    return seq <= this.fromSeq ? 'duplicate' : 'gap';
  }

  /** The ZkResend asking the other end to send again from the first number missing. */
  resendRequest(): ZkMessage {
    return { type: 'ZkResend', from: this.fromSeq + 1, conn: this.id };
  }

  /** The unacknowledged messages from `from` on, for ZkResend, with the acknowledgement as of now. */
  resendFrom(from: number): ZkMessage[] {
    return this.outbox
      .filter((s) => s.seq >= from)
      .map((s) => ({ ...s.msg, seq: s.seq, ack: this.fromSeq, conn: this.id }) as unknown as ZkMessage);
  }
}
