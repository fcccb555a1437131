/** What the agent reads out of a model server's `/openapi.json` (cog-http-protocol.md §4). */
export interface ServerFeatures {
  /** `@cog.streaming`: `x-cog-streaming: true` on `POST /predictions`; SSE is then accepted (§2.5). */
  streaming: boolean;
  /** Inputs of Cog's `Secret` type (`x-cog-secret: true`, `format: password`). */
  secrets: string[];
}

export const NO_FEATURES: ServerFeatures = { streaming: false, secrets: [] };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

export function serverFeatures(openapi: unknown): ServerFeatures {
  const doc = obj(openapi);
  const post = obj(obj(obj(doc.paths)["/predictions"]).post);
  const schemas = obj(obj(doc.components).schemas);
  const properties = obj(obj(schemas.Input).properties);
  const secrets = Object.entries(properties)
    .filter(([, p]) => {
      const prop = obj(p);
      // A Secret with a default or a description can come through `allOf: [{$ref}]`.
      const ref = obj(Array.isArray(prop.allOf) ? prop.allOf[0] : undefined).$ref;
      const target = typeof ref === "string" ? obj(schemas[ref.replace("#/components/schemas/", "")]) : {};
      return prop["x-cog-secret"] === true || target["x-cog-secret"] === true;
    })
    .map(([name]) => name);
  return { streaming: post["x-cog-streaming"] === true, secrets };
}

/** How Replicate shows a secret. */
export const REDACTED = "**********";

/**
 * The secret values of an input (strings of its secret fields, at least 4 characters: shorter
 * ones would blank out ordinary words), longest first so no secret is half-replaced by another.
 */
export function secretValues(input: Obj, secrets: readonly string[]): string[] {
  return secrets
    .map((name) => input[name])
    .filter((v): v is string => typeof v === "string" && v.length >= 4)
    .sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of a secret value in a text (logs, an error) by {@link REDACTED}. */
export function redact(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) out = out.split(v).join(REDACTED);
  return out;
}
