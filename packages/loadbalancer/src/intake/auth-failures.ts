import { PrincipalBudgets } from '@odin-ws/auth';

/**
 * Refused tokens per client address: each refused token is charged to the address's budget, and an
 * address with less than one left is refused at once, without its next token's signature being
 * checked. Per-IP admission already bounds how many handshakes an address gets this far; this
 * bounds how many of them may be bad tokens, each of which costs a signature check (an RSA verify
 * is ~50 µs, the whole budget of a plain handshake).
 */
export class AuthFailureLimiter {
  private readonly budgets: PrincipalBudgets;

  /** `burst` refused tokens at once, `perSecond` after; `maxAddresses` remembered at most. */
  constructor(burst: number, perSecond: number, maxAddresses = 100_000) {
    this.budgets = new PrincipalBudgets(burst, perSecond, maxAddresses);
  }

  /** Whether this address may have a token checked now. */
  allows(address: string, now = Date.now()): boolean {
    return this.budgets.available(address, now) >= 1;
  }

  /** A token from this address was refused. */
  failed(address: string, now = Date.now()): void {
    this.budgets.take(address, 1, now);
  }

  get addresses(): number {
    return this.budgets.keys;
  }
}
