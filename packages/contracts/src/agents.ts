import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AgentId, VersionId } from "./ids.ts";
import { Timestamp } from "./time.ts";

export const InstanceState = z.enum(["booting", "ready", "busy", "failed"]);
export type InstanceState = z.infer<typeof InstanceState>;

export const InstanceStatus = z.object({
  version_id: VersionId,
  state: InstanceState,
  concurrency: z.number().int().positive(),
  running: z.number().int().nonnegative(),
  booted_at: Timestamp.nullable(),
});
export type InstanceStatus = z.infer<typeof InstanceStatus>;

export const GpuInfo = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  uuid: z.string(),
  memory_mib: z.number().int().nonnegative(),
});
export type GpuInfo = z.infer<typeof GpuInfo>;

/** An agent's heartbeat, written to the `agents` bucket under its id. */
export const AgentHeartbeat = z.object({
  agent_id: AgentId,
  sku: HardwareSku,
  /** True when the SKU comes from configuration rather than detected hardware. */
  emulated: z.boolean(),
  gpus: z.array(GpuInfo),
  /** How many model instances this host can hold at once. */
  slots: z.number().int().positive(),
  instances: z.array(InstanceStatus),
  at: Timestamp,
});
export type AgentHeartbeat = z.infer<typeof AgentHeartbeat>;
