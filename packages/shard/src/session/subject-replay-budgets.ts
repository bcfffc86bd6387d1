import { PrincipalBudgets } from '@odin-ws/auth';

/**
 * The replay allowance of each user (a token's `sub`) on this shard, over all its connections: the
 * same --max-replay-bytes per second as one connection has. Without it, one user's hundred
 * connections could each loop subscribe/unsubscribe with `snapshot: true` and pull a hundred times
 * that in snapshots. A connection without a user has only its own allowance (client-state.ts).
 */
export class SubjectReplayBudgets {
  private readonly budgets: PrincipalBudgets;

  constructor(perSecond: number, maxUsers = 10_000) {
    this.budgets = new PrincipalBudgets(perSecond, perSecond, maxUsers);
  }

  /** What the user may still be sent now; unlimited for a connection without a user. */
  available(subject: string | undefined, now: number): number {
    return subject === undefined ? Number.POSITIVE_INFINITY : this.budgets.available(subject, now);
  }

  take(subject: string | undefined, bytes: number, now: number): void {
    if (subject !== undefined && bytes > 0) this.budgets.take(subject, bytes, now);
  }

  get users(): number {
    return this.budgets.keys;
  }
}
