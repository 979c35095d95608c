// The composition root's half of the memory budget: a split (base/budget.ts)
// applied to the limits of the network and chain floors it builds.
import type { ChainLimits } from '../chain/chain';
import type { BudgetSplit } from '../base/budget';
import type { NodeLimits } from '../base/config';

/** Applies a split to the node's limits. */
export function applyBudget(split: BudgetSplit, limits: NodeLimits, chain: ChainLimits): { limits: NodeLimits; chain: ChainLimits } {
  return {
    limits: {
      ...limits,
      sendQueueBytes: split.sendQueueBytesPerPeer,
      inboundBufferBytes: split.inboundBufferBytes,
      maxAddresses: split.addresses,
      verifyThreads: split.verifyThreads,
    },
    chain: {
      ...chain,
      seenCache: split.seenEntries,
      blocksAnswerBytes: split.blocksAnswerBytes,
      txPool: {
        ...chain.txPool,
        maxBytes: split.txPoolBytes,
        maxTxs: split.txPoolTxs,
        maxFinalizedRemembered: split.finalizedRemembered,
        maxSpentRemembered: split.spentRemembered,
        maxPendingVotes: split.pendingVotes,
        maxOwnVotesRemembered: split.ownVotesRemembered,
      },
    },
  };
}

