/**
 * A FIFO queue on a growable circular array: O(1) push and shift, and O(1) indexed reads for the
 * binary search of a replay. Array.prototype.shift is O(n), which at thousands of records per
 * second and per channel is not an option.
 */
export class RingQueue<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 8) {
    this.items = new Array<T | undefined>(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let the item be collected
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The i-th item from the front; i must be below length. */
  at(index: number): T {
    return this.items[(this.head + index) % this.items.length] as T;
  }

  private grow(): void {
    const grown = new Array<T | undefined>(Math.max(8, this.items.length * 2));
    for (let i = 0; i < this.count; i++) grown[i] = this.at(i);
    this.items = grown;
    this.head = 0;
  }
}
