import type { VersionRecord } from "@gantry/contracts/models";
import { describe, expect, it } from "vitest";
import { isTrainable, trainedVersionId, trainerOf, trainerVersionId } from "./trainer.ts";

const version = (schemas: Record<string, unknown>): VersionRecord => ({
  id: "a".repeat(64),
  model: "gantry/text-stream",
  account_id: "gantry",
  cog_version: null,
  openapi_schema: { openapi: "3.0.2", components: { schemas } },
  runtime: { kind: "command", argv: ["serve", "text-stream"] },
  concurrency: 4,
  created_at: "2026-11-23T00:00:00.000Z",
});

describe("trainerOf", () => {
  const Input = { type: "object", properties: { prompt: { type: "string" } } };
  const TrainingInput = { type: "object", required: ["text"], properties: { text: { type: "string" } } };
  const TrainingOutput = { type: "object", properties: { weights: { type: "string" } } };

  it("is the same server in train mode, taking the training's inputs, one at a time", () => {
    const v = version({ Input, Output: { type: "string" }, TrainingInput, TrainingOutput });
    const t = trainerOf(v);
    expect(t).toMatchObject({
      id: trainerVersionId(v.id),
      model: v.model,
      runtime: { kind: "command", argv: ["serve", "text-stream"], mode: "train" },
      concurrency: 1,
      trainer_of: v.id,
    });
    if (!t) throw new Error("no trainer");
    const schemas = (t.openapi_schema.components as { schemas: Record<string, unknown> }).schemas;
    expect(schemas.Input).toEqual(TrainingInput);
    expect(schemas.Output).toEqual(TrainingOutput);
  });

  it("is null for a version without a trainer, and for a trainer itself", () => {
    const plain = version({ Input });
    expect(isTrainable(plain)).toBe(false);
    expect(trainerOf(plain)).toBeNull();
    const t = trainerOf(version({ Input, TrainingInput }));
    expect(t && trainerOf(t)).toBeNull();
  });

  it("derives distinct, stable ids", () => {
    const id = "a".repeat(64);
    expect(trainerVersionId(id)).toMatch(/^[0-9a-f]{64}$/);
    expect(trainerVersionId(id)).toBe(trainerVersionId(id));
    expect(trainedVersionId("abc")).not.toBe(trainerVersionId("abc"));
  });
});
