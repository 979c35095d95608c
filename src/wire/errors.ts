// Errors a peer's bytes can cause. Each names what was wrong, so the log line
// and the `reject` reason tell the operator (and the peer) what to fix.

/** Reject codes of PROTOCOL.md §2/§3. */
export type RejectCode =
  | 'version'
  | 'network'
  | 'genesis'
  | 'self'
  | 'duplicate'
  | 'banned'
  | 'full'
  | 'protocol'
  | 'slow'
  | 'timeout'
  | 'encryption';

export const REJECT_CODES: readonly RejectCode[] = [
  'version', 'network', 'genesis', 'self', 'duplicate', 'banned', 'full', 'protocol', 'slow', 'timeout', 'encryption',
];

/** A violation of the wire format: framing, CBOR, or a message schema. Always a `protocol` offence. */
export class WireError extends Error {
  readonly code = 'protocol' as const;
  constructor(
    readonly reason: string,
    /** The message type and field at fault, when known ("tx.inputs[3].index"). */
    readonly where?: string,
  ) {
    super(where ? `${where}: ${reason}` : reason);
    this.name = 'WireError';
  }
}
