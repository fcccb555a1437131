/**
 * Predictions waiting for capacity, by lane (what they need: version, hardware, deployment) and,
 * within a lane, by account. Each lane serves its accounts in turn, oldest first within an
 * account, so one account's burst cannot starve another's single prediction. Pure.
 */
export class FairQueue<T> {
  /** lane → account → FIFO; a lane's accounts keep the order in which they are served. */
  readonly #lanes = new Map<string, Map<string, T[]>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(lane: string, account: string, item: T): void {
    let accounts = this.#lanes.get(lane);
    if (!accounts) {
      accounts = new Map();
      this.#lanes.set(lane, accounts);
    }
    const queue = accounts.get(account);
    if (queue) queue.push(item);
    else accounts.set(account, [item]);
    this.#size++;
  }

  /** Puts an item back at the head of its lane (an offer that fell through keeps its turn). */
  unshift(lane: string, account: string, item: T): void {
    const accounts = this.#lanes.get(lane);
    const queue = accounts?.get(account);
    if (queue) queue.unshift(item);
    else this.#lanes.set(lane, new Map([[account, [item]], ...(accounts ?? [])]));
    this.#size++;
  }

  /** The item a lane serves next: the oldest of the account whose turn it is. */
  peek(lane: string): T | undefined {
    const first = this.#lanes.get(lane)?.values().next();
    return first && !first.done ? first.value[0] : undefined;
  }

  /**
   * Takes the lane's next item; its account goes to the back of the lane's turn order (or
   * leaves it, when that was its last item).
   */
  shift(lane: string): T | undefined {
    const accounts = this.#lanes.get(lane);
    const first = accounts?.entries().next();
    if (!accounts || !first || first.done) return undefined;
    const [account, queue] = first.value;
    const item = queue.shift();
    accounts.delete(account);
    if (queue.length > 0) accounts.set(account, queue);
    if (accounts.size === 0) this.#lanes.delete(lane);
    this.#size--;
    return item;
  }

  /**
   * Takes this item out of its lane, its account's turn used (as {@link shift} does for the head).
   * What was served is named, not assumed to still be the head: an item put back with
   * {@link unshift} while the head was being placed goes before it. False when it is not there.
   */
  take(lane: string, item: T): boolean {
    const accounts = this.#lanes.get(lane);
    for (const [account, queue] of accounts ?? []) {
      const i = queue.indexOf(item);
      if (i < 0) continue;
      queue.splice(i, 1);
      accounts?.delete(account);
      if (queue.length > 0) accounts?.set(account, queue);
      if (accounts?.size === 0) this.#lanes.delete(lane);
      this.#size--;
      return true;
    }
    return false;
  }

  /** Removes every item that matches (canceled, past its deadline); returns them. */
  removeWhere(matches: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (const [lane, accounts] of this.#lanes) {
      for (const [account, queue] of accounts) {
        const keep = queue.filter((item) => !matches(item));
        removed.push(...queue.filter(matches));
        if (keep.length === 0) accounts.delete(account);
        else accounts.set(account, keep);
      }
      if (accounts.size === 0) this.#lanes.delete(lane);
    }
    this.#size -= removed.length;
    return removed;
  }

  /** How many wait in a lane. */
  depth(lane: string): number {
    let n = 0;
    for (const queue of this.#lanes.get(lane)?.values() ?? []) n += queue.length;
    return n;
  }

  /** A lane's items in the order it serves them (accounts in turn): an item's index is how many are ahead of it. */
  ordered(lane: string): T[] {
    const queues = [...(this.#lanes.get(lane)?.values() ?? [])];
    const out: T[] = [];
    const depth = this.depth(lane);
    for (let round = 0; out.length < depth; round++) {
      for (const queue of queues) {
        const item = queue[round];
        if (item !== undefined) out.push(item);
      }
    }
    return out;
  }

  lanes(): string[] {
    return [...this.#lanes.keys()];
  }

  /** Every waiting item (for deadlines and stats). */
  *items(): Iterable<T> {
    for (const accounts of this.#lanes.values()) for (const queue of accounts.values()) yield* queue;
  }
}
