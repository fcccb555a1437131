import { describe, expect, it } from "vitest";
import {
  DATA_URL_INLINE_MAX_BYTES,
  MAX_INPUT_JSON_BYTES,
  MAX_JSON_BODY_BYTES,
  MAX_RECORD_RESULT_BYTES,
  MAX_RUN_INPUT_JSON_BYTES,
  MESSAGE_ENVELOPE_BYTES,
  NATS_MAX_PAYLOAD_BYTES,
  RECORD_METADATA_BYTES,
} from "./limits.ts";

describe("size policy", () => {
  it("fits the largest record (and the change notice carrying it) in one NATS message", () => {
    const record = MAX_INPUT_JSON_BYTES + MAX_RECORD_RESULT_BYTES + RECORD_METADATA_BYTES;
    expect(record + MESSAGE_ENVELOPE_BYTES).toBeLessThanOrEqual(NATS_MAX_PAYLOAD_BYTES);
  });

  it("fits the largest work item in one NATS message", () => {
    expect(MAX_RUN_INPUT_JSON_BYTES + RECORD_METADATA_BYTES + MESSAGE_ENVELOPE_BYTES).toBeLessThanOrEqual(
      NATS_MAX_PAYLOAD_BYTES,
    );
  });

  it("keeps an inline data URL within the input budget and the body limit above both", () => {
    expect(DATA_URL_INLINE_MAX_BYTES).toBeLessThanOrEqual(MAX_INPUT_JSON_BYTES);
    expect(MAX_INPUT_JSON_BYTES).toBeLessThanOrEqual(MAX_RUN_INPUT_JSON_BYTES);
    expect(MAX_JSON_BODY_BYTES).toBeGreaterThan(MAX_RUN_INPUT_JSON_BYTES);
  });
});
