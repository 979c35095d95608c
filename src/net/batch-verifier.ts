// What the message loop needs to have a peer's batch of messages verified
// ahead of handling: the domain says which signature checks a message
// implies (src/chain/signature-checks.ts), the verify pool answers them
// (src/crypto/verify-pool.ts). The node wires the two; net knows neither.
import type { SignedMessage } from '../crypto';
import type { Message } from '../wire/messages';

export interface BatchVerifier {
  /** The checks the chain's handlers will make for `msg`, in order. */
  checksOf(msg: Message): SignedMessage[];
  /** One verdict per check, in order. */
  verify(checks: readonly SignedMessage[]): Promise<boolean[]>;
}
