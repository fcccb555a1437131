import { subjects } from "@gantry/contracts/subjects";
import type { Msg, NatsConnection } from "@nats-io/nats-core";

export type NoticeHandler = (m: Msg) => void;

/**
 * The predictions' change notices, read once by this scheduler and handed to every part that
 * follows them (the deployment keeper, the placer), instead of one subscription each: every notice
 * would reach the process once per subscription. Each handler skips, by its headers or subject,
 * what is not its own before decoding anything. (The canary judge keeps its own queue-group
 * subscription: one scheduler of many counts each ended prediction.)
 */
export function followNotices(nc: NatsConnection): { on(handler: NoticeHandler): void; stop(): void } {
  const handlers: NoticeHandler[] = [];
  const sub = nc.subscribe(subjects.changed("*"), {
    callback: (err, m) => {
      if (err) return;
      for (const h of handlers) h(m);
    },
  });
  return {
    on: (handler) => {
      handlers.push(handler);
    },
    stop: () => sub.unsubscribe(),
  };
}
