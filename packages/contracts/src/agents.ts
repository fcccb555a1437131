import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AgentId, VersionId } from "./ids.ts";
import { Timestamp } from "./time.ts";
import { DeploymentName } from "./usage.ts";

export const InstanceState = z.enum(["booting", "ready", "busy", "failed"]);
export type InstanceState = z.infer<typeof InstanceState>;

export const InstanceStatus = z.object({
  version_id: VersionId,
  state: InstanceState,
  concurrency: z.number().int().positive(),
  running: z.number().int().nonnegative(),
  booted_at: Timestamp.nullable(),
  /** Setup time: from launching the server to READY (absent from older agents; null while booting). */
  boot_ms: z.number().int().nonnegative().nullable().optional(),
  /** Why the instance failed (setup failure, crash), with the end of its setup logs. */
  error: z.string().nullable().optional(),
  /** How often the agent restarted this version's server after it died. */
  restarts: z.number().int().nonnegative().optional(),
  /** The deployment whose instance this is (it serves only that deployment's predictions). */
  deployment: DeploymentName.nullable().optional(),
  /** When it last ran a prediction (or booted): how long an idle one has been idle. */
  last_used: Timestamp.optional(),
  /** Kept warm for a deployment's `min_instances`: not stopped or replaced while idle. */
  leased: z.boolean().optional(),
  /** How long its predictions take lately (a moving mean; absent from older agents, null before its first). */
  predict_ms: z.number().int().nonnegative().nullable().optional(),
});
export type InstanceStatus = z.infer<typeof InstanceStatus>;

export const GpuInfo = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  uuid: z.string(),
  memory_mib: z.number().int().nonnegative(),
  /** GPU memory in use at the last heartbeat (absent from older agents, or when unknown). */
  memory_used_mib: z.number().int().nonnegative().optional(),
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
  /**
   * When this agent process started. A new value under the same id is a restart: whatever was
   * placed on the previous process is gone with it.
   */
  started_at: Timestamp.optional(),
  /**
   * The predictions this process holds: running, waiting, or still storing their end. A
   * prediction placed on this process that stays out of the list is no one's (the reaper ends it).
   * Absent (an older agent): the reaper only acts on its death or restart.
   */
  running: z.array(z.string()).optional(),
  /**
   * The agent is stopping politely: it finishes what it holds and takes nothing new, so no
   * scheduler places or keeps anything warm there (absent: it takes work).
   */
  draining: z.boolean().optional(),
});
export type AgentHeartbeat = z.infer<typeof AgentHeartbeat>;
