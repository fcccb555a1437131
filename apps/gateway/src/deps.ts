import type { Logger } from "@gantry/platform/logger";
import type { Buckets } from "@gantry/platform/topology";
import type { Lookup } from "@gantry/platform/webhook-url";
import type { NatsConnection } from "@nats-io/nats-core";
import type { RateLimits } from "./rate-limiter.ts";

/** Everything the gateway app needs from outside; the runtime adapters build it. */
/** One answered request, for metrics: the route's pattern (never its path), status, duration. */
export interface RequestObservation {
  method: string;
  route: string;
  status: number;
  seconds: number;
}

export interface GatewayDeps {
  /** Which adapter runs this app (shown by `/health`). */
  runtime?: "node" | "workerd";
  /** Told of every answered request (the Node adapter counts them for Prometheus). */
  observe?: (o: RequestObservation) => void;
  /** Told when a stream reader starts (+1) and stops (-1) following a prediction (metrics). */
  onReaders?: (kind: "sse" | "ws", delta: 1 | -1) => void;
  nc: NatsConnection;
  buckets: Buckets;
  now: () => Date;
  newId: () => string;
  /** Key for signed URLs (file downloads); the same on every gateway (see `signingSecret()`). */
  signingSecret: string;
  /** Unguessable tokens (stream capability URLs). */
  newToken: () => string;
  log: Logger;
  /** Origin for absolute URLs (`urls.get`, `next`); the request's own origin when unset. */
  publicUrl?: string;
  /** A stream reader this many events behind is dropped (default 10,000); it can resume. */
  streamMaxLag?: number;
  /**
   * Egress of tenants' URLs: webhooks' private addresses refused unless `allowPrivate` (local
   * development); `lookup` resolves names (Node) for webhooks and URL inputs alike.
   */
  webhooks?: { allowPrivate: boolean; lookup?: Lookup };
  /** Per-account request limits (default 600 creates and 3000 others per minute). */
  rateLimits?: RateLimits;
  /** How long cached tokens, models and versions live. */
  cacheTtlMs?: number;
}

export interface AuthedAccount {
  id: string;
}

export type GatewayEnv = { Variables: { account: AuthedAccount; baseUrl: string } };
