import { expect, it } from "vitest";
import { EventQueue } from "./event-queue.ts";

it("pops events earliest first, and those due together in the order they were pushed", () => {
  const q = new EventQueue<string>();
  const times = [50, 10, 30, 10, 50, 0, 30, 10];
  for (const [k, t] of times.entries()) q.push(t, `${t}:${k}`);
  expect(q.peekAt()).toBe(0);
  const out: string[] = [];
  for (let e = q.pop(); e; e = q.pop()) out.push(e.event);
  expect(out).toEqual(["0:5", "10:1", "10:3", "10:7", "30:2", "30:6", "50:0", "50:4"]);
  expect(q.size).toBe(0);
});
