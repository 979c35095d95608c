// The checks of PROTOCOL.md §2 step 2 and §8's plaintext policy, as pure functions of our identity
// and the peer's hello, so both directions share them and tests can call
// them directly. A refusal names our value and theirs: the old node refused
// on a genesis mismatch without saying so, and nodes sat at height 0.
import type { RejectCode } from '../wire/errors';
import { MessageOf, PROTOCOL_VERSION } from '../wire/messages';

export interface LocalIdentity {
  network: string;
  genesis: Buffer;
  node: Buffer;
  /** The listen port we advertise (0 when not listening). */
  port: number;
  agent: string;
}

export interface ChainPosition {
  height: number;
  tip: Buffer;
}

export interface Refusal {
  code: RejectCode;
  reason: string;
}

/** Our hello; `kx` is this connection's X25519 public key (§8), offered on every connection. */
export function makeHello(me: LocalIdentity, chain: ChainPosition, challenge: Buffer, now: number, kx: Buffer): MessageOf<'hello'> {
  return {
    type: 'hello',
    version: PROTOCOL_VERSION,
    network: me.network,
    genesis: me.genesis,
    node: me.node,
    challenge,
    port: me.port,
    height: chain.height,
    tip: chain.tip,
    agent: me.agent,
    time: now,
    kx,
  };
}

/** §8: a hello without kx is refused with `encryption`, unless plaintext links are allowed. */
export function checkEncryption(hello: MessageOf<'hello'>, remote: string, allowPlaintext: boolean): Refusal | undefined {
  if (hello.kx !== undefined || allowPlaintext) return undefined;
  return {
    code: 'encryption',
    reason: `node ${hello.node.toString('hex')} at ${remote} offers no kx (plaintext); this node accepts encrypted links only (--allow-plaintext allows plaintext)`,
  };
}

export function checkHello(me: LocalIdentity, hello: MessageOf<'hello'>): Refusal | undefined {
  if (hello.version !== PROTOCOL_VERSION) {
    return { code: 'version', reason: `protocol version mismatch: ours ${PROTOCOL_VERSION}, theirs ${hello.version}` };
  }
  if (hello.network !== me.network) {
    return { code: 'network', reason: `network mismatch: ours "${me.network}", theirs "${hello.network}"` };
  }
  if (!hello.genesis.equals(me.genesis)) {
    return { code: 'genesis', reason: `genesis mismatch: ours ${me.genesis.toString('hex')}, theirs ${hello.genesis.toString('hex')}` };
  }
  if (hello.node.equals(me.node)) {
    return { code: 'self', reason: `connected to ourselves (node key ${me.node.toString('hex')})` };
  }
  return undefined;
}
