// The fork choice rule of PROTOCOL.md §5 as pure functions: which of two
// valid chains a node follows, and where the ancestor search asks next.
// reorg.ts runs the search and the switch; this file only decides.

/** A valid chain as the rule sees it, relative to its common ancestor with the other one. */
export interface ChainSide {
  /** Height of its last block. */
  height: number;
  /** Hash of its first block after the common ancestor; undefined when it has none (it is the ancestor). */
  firstAfterAncestor: Buffer | undefined;
}

/**
 * True when `branch` beats `ours`: the longest wins; at equal height the one
 * whose first block after the common ancestor has the lower hash, bytewise.
 * Equal chains (no block after the ancestor on either side) do not beat each other.
 */
export function branchWins(branch: ChainSide, ours: ChainSide): boolean {
  if (branch.height !== ours.height) return branch.height > ours.height;
  if (branch.firstAfterAncestor === undefined) return false;
  if (ours.firstAfterAncestor === undefined) return true;
  return Buffer.compare(branch.firstAfterAncestor, ours.firstAfterAncestor) < 0;
}

/**
 * Where the ancestor search asks from after an answer whose first block did
 * not connect (§5): our height − 1, − 2, − 4, … down to 1. `step` is the
 * distance back asked last (0 for the first ask, at our height); returns the
 * next step, or undefined when height 1 was asked already: no block of the
 * peer's chain connects to ours, not even to the genesis.
 */
export function nextSearchStep(height: number, step: number): number | undefined {
  if (height - step <= 1) return undefined;
  return step === 0 ? 1 : step * 2;
}

/** The height a search at `step` asks from. */
export function searchFrom(height: number, step: number): number {
  return Math.max(1, height - step);
}
