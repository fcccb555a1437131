/**
 * A priority queue of timed events for a discrete-event loop: earliest first, and events due at
 * the same moment in the order they were scheduled, so a run is the same every time. A binary heap.
 */
export class EventQueue<E> {
  #heap: { at: number; seq: number; event: E }[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** When the next event is due (undefined: none left). */
  peekAt(): number | undefined {
    return this.#heap[0]?.at;
  }

  push(at: number, event: E): void {
    const h = this.#heap;
    h.push({ at, seq: this.#seq++, event });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** The next event and when it is due, removed from the queue. */
  pop(): { at: number; event: E } | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (!top || !last) return undefined;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#before(l, m)) m = l;
        if (r < h.length && this.#before(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return { at: top.at, event: top.event };
  }

  #before(i: number, j: number): boolean {
    const a = this.#heap[i];
    const b = this.#heap[j];
    if (!a || !b) return false;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const h = this.#heap;
    const a = h[i];
    const b = h[j];
    if (!a || !b) return;
    h[i] = b;
    h[j] = a;
  }
}
