import { AppError } from "@gantry/contracts/errors";
import { describe, expect, it } from "vitest";
import { checkPathIds } from "./path-ids.ts";

const ok = (p: string) => expect(() => checkPathIds(p), p).not.toThrow();
const notFound = (p: string) => {
  try {
    checkPathIds(p);
  } catch (err) {
    expect(err, p).toBeInstanceOf(AppError);
    expect((err as AppError).status, p).toBe(404);
    return;
  }
  throw new Error(`${p} passed`);
};

describe("checkPathIds", () => {
  it("lets real ids and names through", () => {
    for (const p of [
      "/v1/models",
      "/v1/models/gantry/test",
      "/v1/models/gantry/text-stream/predictions",
      `/v1/models/gantry/test/versions/${"a".repeat(64)}`,
      `/v1/models/gantry/test/versions/${"a".repeat(64)}/trainings`,
      "/v1/models/my.org/my_model-2",
      "/v1/deployments/dev/my-test/predictions",
      "/v1/collections/text-generation",
      `/v1/predictions/${"a".repeat(26)}/cancel`,
      `/v1/trainings/${"b".repeat(26)}`,
      `/v1/files/${"c".repeat(26)}/download`,
      `/v1/streams/${"d".repeat(26)}/r8_${"e".repeat(40)}`,
      "/v1/account",
      "/v1/predictions",
    ]) {
      ok(p);
    }
  });

  it("answers 404 to ids and names nothing can have, before any lookup", () => {
    for (const p of [
      "/v1/collections/a.",
      "/v1/collections/a..b",
      "/v1/models/.a/x/predictions",
      "/v1/models/null/%e2%80%ae/predictions",
      "/v1/models/1e309/%3E/predictions",
      `/v1/deployments/${"a".repeat(9000)}/x`,
      "/v1/deployments/gantry/%3E",
      "/v1/deployments/*/x",
      "/v1/models/Gantry/test",
      "/v1/models/a/b/versions/xyz",
      "/v1/predictions/x",
      `/v1/predictions/${"a".repeat(27)}`,
      "/v1/trainings/%00",
      "/v1/files/..",
      "/v1/streams/abc/r8_x",
      `/v1/streams/${"d".repeat(26)}/a%20b`,
      "/v1/models/%ff%fe/x",
    ]) {
      notFound(p);
    }
  });
});
