import { describe, expect, it } from 'vitest';
import { SubjectReplayBudgets } from './subject-replay-budgets.js';

describe('SubjectReplayBudgets', () => {
  it("shares one allowance among a user's connections, refilled per second, and none for connections without a user", () => {
    const budgets = new SubjectReplayBudgets(1000);
    expect(budgets.available('u', 0)).toBe(1000);
    budgets.take('u', 800, 0);
    expect(budgets.available('u', 0)).toBe(200);
    expect(budgets.available('v', 0)).toBe(1000);
    expect(budgets.available('u', 500)).toBe(700);
    expect(budgets.available(undefined, 0)).toBe(Number.POSITIVE_INFINITY);
    budgets.take(undefined, 5000, 0);
    expect(budgets.users).toBe(1);
  });
});
