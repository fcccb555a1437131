import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, AgentId, PredictionId, VersionId } from "./ids.ts";
import { Timestamp } from "./time.ts";

/** Predict time of one prediction, reported once by the agent that ran it. */
export const PredictUsage = z.object({
  kind: z.literal("predict"),
  prediction_id: PredictionId,
  account_id: AccountId,
  model: z.string(),
  version_id: VersionId,
  agent_id: AgentId,
  hardware: HardwareSku,
  /** Milliseconds of predict time. */
  predict_ms: z.number().int().nonnegative(),
  at: Timestamp,
});
export type PredictUsage = z.infer<typeof PredictUsage>;
