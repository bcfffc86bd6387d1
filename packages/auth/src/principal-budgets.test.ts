import { describe, expect, it } from 'vitest';
import { PrincipalBudgets } from './principal-budgets.js';

describe('PrincipalBudgets', () => {
  it('gives each principal its capacity, charged and refilled per second, apart from the others', () => {
    const budgets = new PrincipalBudgets(1000, 1000);
    expect(budgets.available('u', 0)).toBe(1000);
    budgets.take('u', 800, 0);
    expect(budgets.available('u', 0)).toBe(200);
    expect(budgets.available('v', 0)).toBe(1000);
    expect(budgets.available('u', 500)).toBe(700);
    expect(budgets.available('u', 10_000)).toBe(1000);
  });

  it('holds a bounded number of principals: full budgets are forgotten first, then the least recently charged', () => {
    const budgets = new PrincipalBudgets(2, 1, 3);
    budgets.take('a', 1, 0);
    budgets.take('b', 1, 0);
    budgets.take('c', 1, 5000); // a and b are full again by now
    budgets.take('d', 1, 5000);
    expect(budgets.keys).toBe(2);
    for (const key of ['e', 'f', 'g']) budgets.take(key, 2, 5000);
    expect(budgets.keys).toBe(3);
    // A spray from many principals cannot grow the map; forgetting only gives a principal more.
    expect(budgets.available('c', 5000)).toBe(2);
  });
});
