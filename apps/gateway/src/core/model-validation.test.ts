import { AppError } from "@gantry/contracts/errors";
import { CreateVersionBody } from "@gantry/contracts/models";
import { describe, expect, it } from "vitest";
import {
  checkOpenApi,
  deleteRefusal,
  Forbidden,
  hardwareDetail,
  isModelPath,
  isVersionId,
  MAX_OPENAPI_BYTES,
  modelVersionId,
  parseCreateModel,
  runtimeFor,
  ValidationFailed,
} from "./model-validation.ts";

const OPTIONS =
  "cpu, cpu-small, gpu-a100-large, gpu-a100-large-2x, gpu-a100-large-4x, gpu-a100-large-8x, gpu-h100, gpu-h100-2x, " +
  "gpu-h100-4x, gpu-h100-8x, gpu-l40s, gpu-l40s-2x, gpu-l40s-4x, gpu-l40s-8x, gpu-t4";

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

/** The sorted `errors[].pointer`s of a 400 Validation failed. */
function pointers(err: AppError): string[] {
  if (!(err instanceof ValidationFailed)) throw new Error(`expected ValidationFailed, got ${err.message}`);
  return err.errors.map((e) => e.pointer).sort();
}

const create = (body: unknown) => parseCreateModel(JSON.stringify(body), "dev");
const ok = { owner: "dev", name: "my-model", visibility: "private", hardware: "cpu" };

describe("parseCreateModel", () => {
  it("returns a valid body", () => {
    expect(create({ ...ok, description: "d", github_url: "https://github.com/x/y" })).toEqual({
      ...ok,
      description: "d",
      github_url: "https://github.com/x/y",
    });
  });

  it("answers an unknown SKU with Replicate's exact 400", () => {
    const err = thrown(() => create({ ...ok, hardware: "gpu-x" }));
    expect(err).toBeInstanceOf(ValidationFailed);
    const detail = `gpu-x is not a valid hardware SKU. Your options are: ${OPTIONS}.`;
    expect(err.status).toBe(400);
    expect(err.toProblem()).toEqual({
      status: 400,
      title: "Validation failed",
      detail: `The following errors occurred:\n- hardware: ${detail}`,
      errors: [{ pointer: "/hardware", detail }],
    });
    expect(hardwareDetail("gpu-x")).toBe(detail);
  });

  it("lists every problem at once", () => {
    const err = thrown(() => create({ owner: "someone", name: "Bad Name", visibility: "secret", hardware: "h", x: 1 }));
    expect(pointers(err)).toEqual(["/hardware", "/name", "/owner", "/visibility", "/x"]);
    expect(err.message.split("\n")).toHaveLength(6);
    expect(err.message).toContain("- owner: you can only create models owned by your account, dev");
    expect(err.message).toContain("- x: is not allowed");
  });

  it.each([
    [{ owner: "dev" }, ["/hardware", "/name", "/visibility"]],
    [{ ...ok, name: "a..b" }, ["/name"]],
    [{ ...ok, name: "a." }, ["/name"]],
    [{ ...ok, github_url: "javascript:alert(1)" }, ["/github_url"]],
    [[1, 2], ["/"]],
    ["text", ["/"]],
  ])("refuses %j with pointers %j", (body, expected) => {
    expect(pointers(thrown(() => create(body)))).toEqual(expected);
  });

  it("says which fields are required", () => {
    expect(thrown(() => create({ ...ok, name: undefined })).message).toBe(
      "The following errors occurred:\n- name: name is required",
    );
  });

  it("is a 400 for malformed JSON", () => {
    const err = thrown(() => parseCreateModel("{", "dev"));
    expect(err.toProblem()).toMatchObject({ status: 400, title: "Invalid JSON" });
  });
});

describe("paths and ids", () => {
  it.each([
    ["dev", "model", true],
    ["dev", "model.v2_x-y", true],
    ["Dev", "model", false],
    ["dev", "a..b", false],
    ["dev", "a.", false],
    ["dev", "a b", false],
    ["dev", "", false],
    ["dev", "x".repeat(101), false],
  ])("%s/%s may exist: %s", (owner, name, expected) => {
    expect(isModelPath(owner, name)).toBe(expected);
  });

  it("knows version ids", () => {
    expect(isVersionId("a".repeat(64))).toBe(true);
    expect(isVersionId("A".repeat(64))).toBe(false);
    expect(isVersionId("a".repeat(63))).toBe(false);
  });

  it("gives a version id per model, schema and runtime", () => {
    const rt = { kind: "url" as const, url: "http://127.0.0.1:5000" };
    const id = modelVersionId("dev/a", { openapi: "3.0.2" }, rt);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(modelVersionId("dev/a", { openapi: "3.0.2" }, rt)).toBe(id);
    expect(modelVersionId("dev/b", { openapi: "3.0.2" }, rt)).not.toBe(id);
    expect(modelVersionId("dev/a", { openapi: "3.1.0" }, rt)).not.toBe(id);
  });
});

describe("runtimeFor", () => {
  const body = (b: unknown) => CreateVersionBody.parse(b);

  it("takes exactly one of url, command and image", () => {
    expect(runtimeFor(body({ url: "http://h:5000" }))).toEqual({ kind: "url", url: "http://h:5000" });
    expect(runtimeFor(body({ command: ["node", "x.js"] }))).toEqual({ kind: "command", argv: ["node", "x.js"] });
    expect(runtimeFor(body({ image: "r8.im/a/b" }))).toEqual({ kind: "image", image: "r8.im/a/b" });
    expect(body({ image: "r8.im/a/b" }).concurrency).toBe(1);
  });

  it.each([{}, { url: "http://h:5000", image: "r8.im/a/b" }])("is a 422 for %j", (b) => {
    const err = thrown(() => runtimeFor(body(b)));
    expect(err.status).toBe(422);
    expect(err.invalidFields?.[0]?.field).toBe("runtime");
  });
});

describe("checkOpenApi", () => {
  const doc = { openapi: "3.0.2", components: { schemas: { Input: { type: "object" } } } };

  it("accepts a Cog document", () => {
    expect(checkOpenApi(doc, "s")).toBe(doc);
  });

  it.each([null, [], "x", { openapi: "3.0.2" }, { components: { schemas: { Input: {} } } }])("refuses %j", (d) => {
    expect(thrown(() => checkOpenApi(d, "the server")).status).toBe(422);
  });

  it("refuses a schema too large to store", () => {
    const big = { ...doc, padding: "x".repeat(MAX_OPENAPI_BYTES) };
    expect(thrown(() => checkOpenApi(big, "s")).message).toContain("larger than");
  });
});

describe("deleteRefusal", () => {
  it("allows only private models without versions", () => {
    expect(deleteRefusal("private", 0)).toBeNull();
    expect(deleteRefusal("public", 0)?.status).toBe(400);
    expect(deleteRefusal("private", 2)?.status).toBe(409);
    expect(deleteRefusal("private", 2)?.message).toContain("2 versions");
  });
});

describe("Forbidden", () => {
  it("is a 403 problem", () => {
    expect(new Forbidden("no").toProblem()).toEqual({ title: "Forbidden", detail: "no", status: 403 });
  });
});
