import type { Field, FormValue } from "./schema.ts";

/** One control per input field, typed by the schema. */
function Control({
  f,
  value,
  set,
  idPrefix,
}: {
  f: Field;
  value: FormValue | undefined;
  set: (v: FormValue) => void;
  idPrefix: string;
}) {
  const common = { id: `${idPrefix}${f.name}`, name: f.name, required: f.required };
  const text = typeof value === "string" ? value : "";
  switch (f.kind) {
    case "boolean":
      return (
        <input
          {...common}
          required={false}
          type="checkbox"
          checked={value === true}
          onChange={(e) => set(e.target.checked)}
        />
      );
    case "enum":
      return (
        <select {...common} value={text} onChange={(e) => set(e.target.value)}>
          {f.required || f.default !== undefined ? null : <option value="">—</option>}
          {f.options.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
    case "integer":
    case "number":
      return (
        <input
          {...common}
          type="number"
          step={f.kind === "integer" ? 1 : "any"}
          min={f.minimum ?? undefined}
          max={f.maximum ?? undefined}
          value={text}
          onChange={(e) => set(e.target.value)}
        />
      );
    case "file":
    case "files":
      return (
        <input
          {...common}
          type="file"
          multiple={f.kind === "files"}
          onChange={(e) => set([...(e.target.files ?? [])])}
        />
      );
    case "secret":
      return (
        <input {...common} type="password" autoComplete="off" value={text} onChange={(e) => set(e.target.value)} />
      );
    case "text":
      return <textarea {...common} rows={3} value={text} onChange={(e) => set(e.target.value)} />;
    case "list":
      return (
        <textarea {...common} rows={3} placeholder="one per line" value={text} onChange={(e) => set(e.target.value)} />
      );
    case "string":
      return <input {...common} type="text" value={text} onChange={(e) => set(e.target.value)} />;
  }
}

const bounds = (f: Field) =>
  f.minimum !== null || f.maximum !== null ? ` (${f.minimum ?? "…"} to ${f.maximum ?? "…"})` : "";

export function InputForm(props: {
  fields: Field[];
  values: Record<string, FormValue>;
  onChange: (name: string, value: FormValue) => void;
  /** Prefix of the controls' ids (`input-` unless a page shows two forms). */
  idPrefix?: string;
}) {
  const idPrefix = props.idPrefix ?? "input-";
  return (
    <div className="fields">
      {props.fields.map((f) => (
        <div className="field" key={f.name} data-field={f.name} data-kind={f.kind}>
          <label htmlFor={`${idPrefix}${f.name}`}>
            <b>{f.name}</b>
            {f.required ? <span className="required">*</span> : null}
            <span className="muted">
              {" "}
              {f.kind === "files" ? "files" : f.kind}
              {bounds(f)}
            </span>
          </label>
          <Control f={f} value={props.values[f.name]} set={(v) => props.onChange(f.name, v)} idPrefix={idPrefix} />
          {f.description ? <small className="muted">{f.description}</small> : null}
          {f.default !== undefined && f.kind !== "boolean" ? (
            <small className="muted"> Default: {JSON.stringify(f.default)}</small>
          ) : null}
        </div>
      ))}
    </div>
  );
}
