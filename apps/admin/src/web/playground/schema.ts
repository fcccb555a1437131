/**
 * The playground's form, read from a Cog version's `openapi_schema.components.schemas.Input`
 * (reference §8.2): fields in `x-order`, with their types, enums (inline or `allOf: [$ref]`),
 * defaults, bounds, file inputs (`format: uri`) and secrets (`x-cog-secret`). Pure.
 */
type Json = Record<string, unknown>;

export type FieldKind =
  | "string"
  | "text"
  | "integer"
  | "number"
  | "boolean"
  | "enum"
  | "file"
  | "files"
  | "secret"
  | "list";

export interface Field {
  name: string;
  title: string;
  description: string | null;
  kind: FieldKind;
  required: boolean;
  default: unknown;
  minimum: number | null;
  maximum: number | null;
  /** Enum choices, in the schema's order. */
  options: (string | number)[];
  order: number;
}

const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** `allOf: [{ $ref }]` or `$ref`, merged with the property's own keys (which win). */
function resolve(prop: Json, schemas: Json): Json {
  const allOf = Array.isArray(prop.allOf) ? prop.allOf : [];
  const ref = prop.$ref ?? obj(allOf[0]).$ref;
  if (typeof ref !== "string") return prop;
  const target = obj(schemas[ref.replace("#/components/schemas/", "")]);
  const { allOf: _a, $ref: _r, ...rest } = prop;
  return { ...target, ...rest };
}

function kindOf(p: Json): FieldKind {
  if (Array.isArray(p.enum)) return "enum";
  if (p["x-cog-secret"] === true || p.format === "password") return "secret";
  if (p.type === "string" && p.format === "uri") return "file";
  if (p.type === "array") return obj(p.items).format === "uri" ? "files" : "list";
  if (p.type === "integer" || p.type === "number" || p.type === "boolean") return p.type;
  return "string";
}

/** Prompts get a multi-line box. */
const longText = (name: string, kind: FieldKind): FieldKind =>
  kind === "string" && /prompt|text/i.test(name) ? "text" : kind;

const titleOf = (name: string) => name.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());

export function inputFields(openapi: unknown): Field[] {
  const schemas = obj(obj(obj(openapi).components).schemas);
  const input = obj(schemas.Input);
  const required = new Set(Array.isArray(input.required) ? input.required.map(String) : []);
  return Object.entries(obj(input.properties))
    .map(([name, raw]): Field => {
      const p = resolve(obj(raw), schemas);
      return {
        name,
        title: typeof p.title === "string" && p.title !== "" ? p.title : titleOf(name),
        description: typeof p.description === "string" && p.description !== "An enumeration." ? p.description : null,
        kind: longText(name, kindOf(p)),
        required: required.has(name),
        default: p.default,
        minimum: num(p.minimum),
        maximum: num(p.maximum),
        options: Array.isArray(p.enum) ? p.enum.filter((v) => typeof v === "string" || typeof v === "number") : [],
        order: num(p["x-order"]) ?? Number.MAX_SAFE_INTEGER,
      };
    })
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/** What a form control holds: text for most kinds, a flag, or the chosen files. */
export type FormValue = string | boolean | File[];

/** The controls' initial values: defaults where there are some. */
export function initialValues(fields: readonly Field[]): Record<string, FormValue> {
  const out: Record<string, FormValue> = {};
  for (const f of fields) {
    if (f.kind === "boolean") out[f.name] = f.default === true;
    else if (f.kind === "file" || f.kind === "files") out[f.name] = [];
    else if (f.kind === "list") out[f.name] = Array.isArray(f.default) ? f.default.map(String).join("\n") : "";
    else out[f.name] = f.default === undefined || f.default === null ? "" : String(f.default);
  }
  return out;
}

/**
 * The prediction's `input`: typed values; blank optional fields left out so the model's defaults
 * apply. Files are passed through `upload`, which returns the URL to send (the Files API's `urls.get`).
 */
export async function toInput(
  fields: readonly Field[],
  values: Record<string, FormValue>,
  upload: (file: File) => Promise<string>,
): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      const urls = await Promise.all(v.map(upload));
      input[f.name] = f.kind === "files" ? urls : urls[0];
      continue;
    }
    if (typeof v === "boolean") {
      input[f.name] = v;
      continue;
    }
    if (v === undefined || v.trim() === "") continue;
    if (f.kind === "integer") input[f.name] = Number.parseInt(v, 10);
    else if (f.kind === "number") input[f.name] = Number.parseFloat(v);
    else if (f.kind === "enum") input[f.name] = f.options.find((o) => String(o) === v) ?? v;
    else if (f.kind === "list") input[f.name] = v.split("\n").filter((line) => line.trim() !== "");
    else input[f.name] = v;
  }
  return input;
}

/** The `Output` schema says the model streams text to be joined (`x-cog-array-display: concatenate`). */
export function outputConcatenates(openapi: unknown): boolean {
  const out = obj(obj(obj(obj(openapi).components).schemas).Output);
  return out["x-cog-array-type"] === "iterator" && out["x-cog-array-display"] === "concatenate";
}

/**
 * A trainable version's training form as a schema `inputFields` reads: its `TrainingInput` in the
 * place of `Input`. Null when the version has no trainer.
 */
export function trainingSchema(openapi: unknown): Json | null {
  const schemas = obj(obj(obj(openapi).components).schemas);
  if (!("TrainingInput" in schemas)) return null;
  return { components: { schemas: { ...schemas, Input: schemas.TrainingInput } } };
}
