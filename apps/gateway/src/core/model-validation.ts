import { AppError, type Problem } from "@gantry/contracts/errors";
import { findHardware, HARDWARE_CATALOG } from "@gantry/contracts/hardware";
import {
  CreateModelBody,
  type CreateVersionBody,
  type ModelRuntime,
  type OpenApiSchema,
} from "@gantry/contracts/models";
import { sha256Hex } from "@gantry/platform/ids";
import type { z } from "zod";

/** One entry of a 400's `errors` (reference §1.3, `POST /models`). */
export interface FieldError {
  pointer: string;
  detail: string;
}

/**
 * A 403: the caller may see the resource but not change it. (The error-code table has no 403,
 * so this keeps the code's meaning and answers with the right status.)
 */
export class Forbidden extends AppError {
  constructor(message: string) {
    super("FORBIDDEN", message);
  }
}

/** Replicate's 400 "Validation failed": one `- field: detail` line per problem, plus `errors`. */
export class ValidationFailed extends AppError {
  readonly errors: FieldError[];

  constructor(errors: FieldError[]) {
    const lines = errors.map((e) => `- ${e.pointer.slice(1).replace(/\//g, ".")}: ${e.detail}`);
    super("BAD_REQUEST", `The following errors occurred:\n${lines.join("\n")}`, { title: "Validation failed" });
    this.errors = errors;
  }

  override toProblem(): Problem & { errors: FieldError[] } {
    return { ...super.toProblem(), errors: this.errors };
  }
}

/** `gpu-x is not a valid hardware SKU. Your options are: cpu, …` (the SKUs in alphabetical order). */
export function hardwareDetail(sku: string): string {
  const options = HARDWARE_CATALOG.map((h) => h.sku).sort();
  return `${sku} is not a valid hardware SKU. Your options are: ${options.join(", ")}.`;
}

const fieldErrors = (error: z.ZodError): FieldError[] =>
  error.issues.flatMap((issue): FieldError[] => {
    const pointer = `/${issue.path.join("/")}`;
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => ({ pointer: `${pointer === "/" ? "" : pointer}/${k}`, detail: "is not allowed" }));
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return [{ pointer, detail: `${issue.path.join(".")} is required` }];
    }
    return [{ pointer, detail: issue.message }];
  });

/**
 * Validates a `POST /v1/models` body for the account `username`: every problem in one 400
 * (shape, hardware SKU, owner), as Replicate answers.
 */
export function parseCreateModel(text: string, username: string): CreateModelBody {
  let raw: unknown;
  try {
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "The request body is not valid JSON.", { title: "Invalid JSON" });
  }
  const parsed = CreateModelBody.safeParse(raw, { reportInput: true });
  // One problem per field: a name can fail several of its checks at once.
  const errors = (parsed.success ? [] : fieldErrors(parsed.error)).filter(
    (e, i, all) => all.findIndex((x) => x.pointer === e.pointer) === i,
  );
  const body = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const taken = new Set(errors.map((e) => e.pointer));
  if (typeof body.owner === "string" && body.owner !== username && !taken.has("/owner")) {
    errors.push({ pointer: "/owner", detail: `you can only create models owned by your account, ${username}` });
  }
  if (typeof body.hardware === "string" && !findHardware(body.hardware) && !taken.has("/hardware")) {
    errors.push({ pointer: "/hardware", detail: hardwareDetail(body.hardware) });
  }
  if (!parsed.success || errors.length > 0) {
    if (errors.length === 0) errors.push({ pointer: "/", detail: "the body must be a JSON object" });
    throw new ValidationFailed(errors);
  }
  return parsed.data;
}

/** Owner and model names as they can be stored; anything else cannot exist, so it is a 404. */
export const isModelPath = (owner: string, name: string) =>
  [owner, name].every((s) => s.length <= 100 && /^[a-z0-9](?:[a-z0-9_-]|\.(?=[a-z0-9_-]))*$/.test(s));

export const isVersionId = (id: string) => /^[0-9a-f]{64}$/.test(id);

/** The runtime a version-create body names; exactly one of `url`, `command` and `image`. */
export function runtimeFor(body: CreateVersionBody): ModelRuntime {
  const given = [body.url, body.command, body.image].filter((x) => x !== undefined).length;
  if (given !== 1) {
    const description = "give exactly one of url (a running Cog server), command (argv) or image (a Cog image)";
    throw new AppError("UNPROCESSABLE", `- runtime: ${description}\n`, {
      title: "Validation failed",
      invalidFields: [{ type: given === 0 ? "required" : "one_of", field: "runtime", description }],
    });
  }
  if (body.url !== undefined) return { kind: "url", url: body.url };
  if (body.command !== undefined) return { kind: "command", argv: body.command };
  return { kind: "image", image: body.image ?? "" };
}

/**
 * A version id: the SHA-256 of what defines the version (its schema and how it runs) and the
 * model it belongs to. The model is part of it because a version id names exactly one model:
 * the same server pushed to two models (e.g. the demo command) gives two versions.
 */
export function modelVersionId(model: string, openapi: OpenApiSchema, runtime: ModelRuntime): string {
  return sha256Hex(JSON.stringify({ model, openapi, runtime }));
}

/** Versions are stored in one NATS message; keep their schema well under its 1 MB limit. */
export const MAX_OPENAPI_BYTES = 768 * 1024;

/** The model server's `/openapi.json`, if it is a Cog OpenAPI document with an `Input` schema. */
export function checkOpenApi(doc: unknown, source: string): OpenApiSchema {
  const refuse = (why: string) => new AppError("UNPROCESSABLE", `${source}: ${why}`, { title: "Invalid model server" });
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw refuse("/openapi.json is not a JSON object");
  const o = doc as Record<string, unknown>;
  const schemas = (o.components as { schemas?: Record<string, unknown> } | undefined)?.schemas;
  if (typeof o.openapi !== "string" || !schemas || typeof schemas.Input !== "object") {
    throw refuse("/openapi.json is not a Cog OpenAPI document (no components.schemas.Input)");
  }
  if (JSON.stringify(o).length > MAX_OPENAPI_BYTES) {
    throw refuse(`/openapi.json is larger than ${MAX_OPENAPI_BYTES / 1024} KiB`);
  }
  return o;
}

/** Why a model may not be deleted (reference §8.1: own, private, no versions), or `null`. */
export function deleteRefusal(visibility: "public" | "private", versions: number): AppError | null {
  if (visibility !== "private") {
    return new AppError("BAD_REQUEST", "Only private models can be deleted; this model is public.", {
      title: "Model cannot be deleted",
    });
  }
  if (versions > 0) {
    return new AppError(
      "CONFLICT",
      `The model has ${versions} version${versions === 1 ? "" : "s"}; delete ${versions === 1 ? "it" : "them"} first (DELETE /v1/models/{owner}/{name}/versions/{id}).`,
      { title: "Model cannot be deleted" },
    );
  }
  return null;
}
