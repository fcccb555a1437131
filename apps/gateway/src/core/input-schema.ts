import type { InvalidField } from "@gantry/contracts/errors";

type Schema = Record<string, unknown>;

export interface InputSpec {
  properties: Record<string, Schema>;
  required: string[];
  /** Names of `x-cog-secret` inputs. */
  secrets: string[];
}

/** Reads `components.schemas.Input` out of a Cog OpenAPI document, resolving `allOf: [$ref]`. */
export function inputSpec(openapi: Record<string, unknown>): InputSpec {
  const schemas = ((openapi.components as Schema | undefined)?.schemas ?? {}) as Record<string, Schema>;
  const input = schemas.Input ?? {};
  const raw = (input.properties ?? {}) as Record<string, Schema>;
  const properties: Record<string, Schema> = {};
  for (const [name, prop] of Object.entries(raw)) properties[name] = resolve(prop, schemas);
  return {
    properties,
    required: Array.isArray(input.required) ? input.required.map(String) : [],
    secrets: Object.entries(properties)
      .filter(([, p]) => p["x-cog-secret"] === true)
      .map(([n]) => n),
  };
}

function resolve(prop: Schema, schemas: Record<string, Schema>): Schema {
  const refOf = (s: unknown) => (s && typeof s === "object" ? (s as Schema).$ref : undefined);
  const allOf = Array.isArray(prop.allOf) ? prop.allOf : [];
  const ref = refOf(prop) ?? refOf(allOf[0]);
  if (typeof ref !== "string") return prop;
  const target = schemas[ref.replace("#/components/schemas/", "")] ?? {};
  const { allOf: _drop, $ref: _ref, ...rest } = prop;
  return { ...target, ...rest };
}

const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function checkType(type: unknown, v: unknown): boolean {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v);
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    default:
      return true;
  }
}

function checkValue(name: string, prop: Schema, v: unknown, problems: InvalidField[]): void {
  const field = `input.${name}`;
  if (v === null && prop.nullable === true) return;
  if (!checkType(prop.type, v)) {
    problems.push({
      type: "invalid_type",
      field,
      description: `Invalid type. Expected: ${String(prop.type)}, given: ${typeName(v)}`,
    });
    return;
  }
  if (Array.isArray(prop.enum) && !prop.enum.includes(v)) {
    const options = prop.enum.map((e) => JSON.stringify(e)).join(", ");
    problems.push({ type: "enum", field, description: `${name} must be one of the following: ${options}` });
  }
  if (typeof v === "number") {
    if (typeof prop.minimum === "number" && v < prop.minimum) {
      problems.push({ type: "number_gte", field, description: `Must be greater than or equal to ${prop.minimum}` });
    }
    if (typeof prop.maximum === "number" && v > prop.maximum) {
      problems.push({ type: "number_lte", field, description: `Must be less than or equal to ${prop.maximum}` });
    }
  }
  if (typeof v === "string") {
    if (typeof prop.minLength === "number" && v.length < prop.minLength) {
      problems.push({
        type: "string_gte",
        field,
        description: `String length must be greater than or equal to ${prop.minLength}`,
      });
    }
    if (typeof prop.maxLength === "number" && v.length > prop.maxLength) {
      problems.push({
        type: "string_lte",
        field,
        description: `String length must be less than or equal to ${prop.maxLength}`,
      });
    }
  }
  if (Array.isArray(v) && prop.items && typeof prop.items === "object") {
    v.forEach((item, i) => {
      checkValue(`${name}.${i}`, prop.items as Schema, item, problems);
    });
  }
}

/**
 * Validates an input object against a version's Input schema: required fields, types, enums,
 * bounds; unknown fields are refused. Returns the input with defaults applied, or the problems in
 * Replicate's `invalid_fields` shape (reference §1.3).
 */
export function validateInput(
  spec: InputSpec,
  input: Record<string, unknown>,
): { ok: true; input: Record<string, unknown> } | { ok: false; problems: InvalidField[] } {
  const problems: InvalidField[] = [];
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(spec.properties, key)) {
      problems.push({
        type: "additional_property_not_allowed",
        field: "",
        description: `Additional property ${key} is not allowed`,
      });
    }
  }
  for (const key of spec.required) {
    if (input[key] === undefined)
      problems.push({ type: "required", field: "input", description: `${key} is required` });
  }
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(spec.properties)) {
    const v = input[name];
    if (v === undefined) {
      if ("default" in prop && prop.default !== null) out[name] = prop.default;
      continue;
    }
    checkValue(name, prop, v, problems);
    out[name] = v;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, input: out };
}

/** `detail` for a 422: one `- <field>: <description>` line per problem. */
export function problemDetail(problems: InvalidField[]): string {
  return problems.map((p) => `- ${p.field}: ${p.description}\n`).join("");
}
