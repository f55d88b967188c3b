// A small form renderer driven by JSON Schema: strings, numbers, booleans, enums, objects (durations and other
// groups), maps, arrays (of choices, of text, of objects) and, for what it cannot draw (recursive predicates,
// free-form values), a JSON editor. Errors arrive keyed by slash path ("timeout/days") and show by their field.
import { useId, useState } from "react";
import { SelectField, TextArea, TextField } from "@/components/ui";
import { humanize, resolve } from "../model/schema";
import type { JsonSchema } from "../model/types";

type Value = unknown;
export type FieldErrors = Record<string, string>;

interface Props {
  root: JsonSchema;
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange: (next: Record<string, unknown>) => void;
  errors?: FieldErrors;
  /** properties not drawn (the node's id, type and position belong to the canvas) */
  hidden?: readonly string[];
}

interface FieldProps {
  root: JsonSchema;
  schema: JsonSchema;
  name: string;
  label: string;
  path: string;
  value: Value;
  required: boolean;
  onChange: (next: Value) => void;
  errors: FieldErrors;
  refs: readonly string[];
}

const NO_ERRORS: FieldErrors = {};

export function SchemaForm({ root, schema, value, onChange, errors = NO_ERRORS, hidden = [] }: Props) {
  const properties = Object.entries(schema.properties ?? {}).filter(
    ([name, prop]) => prop !== true && prop !== false && !hidden.includes(name),
  ) as [string, JsonSchema][];
  const required = new Set(schema.required ?? []);
  return (
    <div className="stack schema-form">
      {properties.map(([name, prop]) => (
        <Field
          key={name}
          root={root}
          schema={prop}
          name={name}
          label={prop.title ?? humanize(name)}
          path={name}
          value={value[name]}
          required={required.has(name)}
          errors={errors}
          refs={[]}
          onChange={(next) => onChange(setKey(value, name, next))}
        />
      ))}
    </div>
  );
}

/** The object with `key` set, or removed when the value is undefined (an empty optional field). */
export function setKey(object: Record<string, unknown>, key: string, next: unknown): Record<string, unknown> {
  const copy = { ...object };
  if (next === undefined) delete copy[key];
  else copy[key] = next;
  return copy;
}

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === "string") return [schema.type];
  if (schema.properties) return ["object"];
  return [];
}

/** Which editor a (resolved) schema gets: exported for tests. */
export function editorFor(schema: JsonSchema, recursive = false): string {
  const types = typesOf(schema);
  if (recursive) return "json";
  if (schema.enum) return "enum";
  if (types.length === 1) {
    const [type] = types;
    if (type === "string") return (schema.maxLength ?? 0) > 300 ? "textarea" : "text";
    if (type === "integer" || type === "number") return "number";
    if (type === "boolean") return "boolean";
    if (type === "object" && schema.properties && Object.keys(schema.properties).length) return "group";
    if (type === "object" && typeof schema.additionalProperties === "object") return "map";
    if (type === "array") {
      const items = schema.items ?? {};
      if (items.enum && schema.uniqueItems) return "choices";
      if (items.$ref || typesOf(items).includes("object")) return "list";
      return "lines";
    }
  }
  if (types.length > 1 && !types.includes("object") && !types.includes("array")) return "scalar";
  return "json";
}

function Field(props: FieldProps) {
  const { root, schema: raw, refs } = props;
  const ref = raw.$ref;
  const recursive = ref !== undefined && refs.includes(ref);
  const schema = resolve(root, raw);
  const nested = { ...props, schema, refs: ref ? [...refs, ref] : refs };
  const error = props.errors[props.path];
  const hint = schema.description;
  switch (editorFor(schema, recursive)) {
    case "enum":
      return (
        <SelectField
          label={props.label}
          value={props.value === undefined ? "" : String(props.value)}
          error={error}
          aria-required={props.required || undefined}
          onChange={(e) => {
            const picked = schema.enum!.find((option) => String(option) === e.target.value);
            props.onChange(e.target.value === "" ? undefined : picked);
          }}
        >
          <option value="">{props.required ? "Choose…" : "(default)"}</option>
          {schema.enum!.map((option) => (
            <option key={String(option)} value={String(option)}>
              {humanize(String(option))}
            </option>
          ))}
        </SelectField>
      );
    case "text":
      return (
        <TextField
          label={props.label}
          value={typeof props.value === "string" ? props.value : ""}
          error={error}
          aria-required={props.required || undefined}
          {...(schema.pattern ? { hint: hintFor(schema) } : {})}
          onChange={(e) => props.onChange(e.target.value === "" ? undefined : e.target.value)}
        />
      );
    case "textarea":
      return (
        <TextArea
          label={props.label}
          rows={4}
          value={typeof props.value === "string" ? props.value : ""}
          error={error}
          aria-required={props.required || undefined}
          onChange={(e) => props.onChange(e.target.value === "" ? undefined : e.target.value)}
        />
      );
    case "number":
      return (
        <TextField
          label={props.label}
          type="number"
          inputMode="numeric"
          min={schema.minimum}
          max={schema.maximum}
          value={typeof props.value === "number" ? String(props.value) : ""}
          error={error}
          aria-required={props.required || undefined}
          onChange={(e) => props.onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        />
      );
    case "boolean":
      return <Checkbox label={props.label} checked={props.value === true} error={error} onChange={props.onChange} />;
    case "scalar":
      return (
        <TextField
          label={props.label}
          value={props.value === undefined || props.value === null ? "" : String(props.value)}
          error={error}
          {...(hint ? { hint } : {})}
          onChange={(e) => props.onChange(parseScalar(e.target.value, typesOf(schema)))}
        />
      );
    case "group":
      return <Group {...nested} />;
    case "map":
      return <MapField {...nested} />;
    case "choices":
      return <Choices {...nested} />;
    case "lines":
      return <Lines {...nested} />;
    case "list":
      return <List {...nested} />;
    default:
      return <JsonField {...nested} />;
  }
}

function hintFor(schema: JsonSchema): string {
  if (schema.pattern?.startsWith("^(owner|user:")) return "owner, or user:<user id>";
  return schema.description ?? "";
}

/** Text as the first type it fits: a number or boolean where allowed, else the text itself. */
export function parseScalar(text: string, types: readonly string[]): unknown {
  if (text === "") return undefined;
  if (
    (types.includes("number") || types.includes("integer")) &&
    /^-?\d+(\.\d+)?$/.test(text) &&
    !types.includes("string")
  )
    return Number(text);
  if (types.includes("boolean") && !types.includes("string") && (text === "true" || text === "false"))
    return text === "true";
  return text;
}

function Checkbox({
  label,
  checked,
  error,
  onChange,
}: {
  label: string;
  checked: boolean;
  error?: string | undefined;
  onChange: (next: Value) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label className="row" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={checked}
          aria-invalid={error ? true : undefined}
          onChange={(e) => onChange(e.target.checked ? true : undefined)}
        />
        {label}
      </label>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function objectOf(value: Value): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function Group(props: FieldProps) {
  const value = objectOf(props.value);
  const required = new Set(props.schema.required ?? []);
  const entries = Object.entries(props.schema.properties ?? {}).filter(([, p]) => typeof p === "object") as [
    string,
    JsonSchema,
  ][];
  const inline = entries.every(([, p]) => ["number", "text", "enum"].includes(editorFor(resolve(props.root, p))));
  return (
    <fieldset className={`schema-group${inline ? " inline" : ""}`}>
      <legend>{props.label}</legend>
      {props.errors[props.path] ? (
        <span className="field-error" role="alert">
          {props.errors[props.path]}
        </span>
      ) : null}
      <div className={inline ? "row" : "stack"}>
        {entries.map(([name, prop]) => (
          <Field
            key={name}
            root={props.root}
            schema={prop}
            name={name}
            label={prop.title ?? humanize(name)}
            path={`${props.path}/${name}`}
            value={value[name]}
            required={required.has(name)}
            errors={props.errors}
            refs={props.refs}
            onChange={(next) => {
              const updated = setKey(value, name, next);
              props.onChange(Object.keys(updated).length ? updated : undefined);
            }}
          />
        ))}
      </div>
    </fieldset>
  );
}

function MapField(props: FieldProps) {
  const entries = Object.entries(objectOf(props.value));
  const write = (list: [string, unknown][]) => props.onChange(list.length ? Object.fromEntries(list) : undefined);
  const valueSchema = resolve(props.root, props.schema.additionalProperties as JsonSchema);
  return (
    <fieldset className="schema-group">
      <legend>{props.label}</legend>
      {props.errors[props.path] ? (
        <span className="field-error" role="alert">
          {props.errors[props.path]}
        </span>
      ) : null}
      {entries.map(([key, item], index) => (
        <div className="row" key={index}>
          <TextField
            label={`${props.label} ${index + 1} name`}
            value={key}
            onChange={(e) => write(entries.map((entry, i) => (i === index ? [e.target.value, entry[1]] : entry)))}
          />
          <TextField
            label={`${props.label} ${index + 1} value`}
            value={item === undefined || item === null ? "" : String(item)}
            error={props.errors[`${props.path}/${key}`]}
            onChange={(e) =>
              write(
                entries.map((entry, i) =>
                  i === index ? [entry[0], parseScalar(e.target.value, typesOf(valueSchema)) ?? ""] : entry,
                ),
              )
            }
          />
          <button
            type="button"
            className="ghost small"
            aria-label={`Remove ${props.label} ${index + 1}`}
            onClick={() => write(entries.filter((_, i) => i !== index))}
          >
            ✕
          </button>
        </div>
      ))}
      <button type="button" className="small" onClick={() => write([...entries, [`key${entries.length + 1}`, ""]])}>
        Add {props.label.toLowerCase()}
      </button>
    </fieldset>
  );
}

function Choices(props: FieldProps) {
  const chosen = Array.isArray(props.value) ? props.value.map(String) : [];
  const options = (props.schema.items?.enum ?? []).map(String);
  return (
    <fieldset className="schema-group inline">
      <legend>{props.label}</legend>
      <div className="row">
        {options.map((option) => (
          <label key={option} className="row">
            <input
              type="checkbox"
              checked={chosen.includes(option)}
              onChange={(e) => {
                const next = e.target.checked ? [...chosen, option] : chosen.filter((c) => c !== option);
                props.onChange(next.length ? options.filter((o) => next.includes(o)) : undefined);
              }}
            />
            {option}
          </label>
        ))}
      </div>
      {props.errors[props.path] ? (
        <span className="field-error" role="alert">
          {props.errors[props.path]}
        </span>
      ) : null}
    </fieldset>
  );
}

function Lines(props: FieldProps) {
  const lines = Array.isArray(props.value) ? props.value.map(String) : [];
  return (
    <TextArea
      label={props.label}
      hint="One per line"
      rows={3}
      value={lines.join("\n")}
      error={props.errors[props.path]}
      onChange={(e) => {
        const next = e.target.value.split("\n");
        props.onChange(next.length === 1 && next[0] === "" ? undefined : next);
      }}
    />
  );
}

function List(props: FieldProps) {
  const items = Array.isArray(props.value) ? props.value : [];
  const itemSchema = props.schema.items ?? {};
  const singular = props.label.replace(/s$/, "");
  return (
    <fieldset className="schema-group">
      <legend>{props.label}</legend>
      {props.errors[props.path] ? (
        <span className="field-error" role="alert">
          {props.errors[props.path]}
        </span>
      ) : null}
      {items.map((item, index) => (
        <div className="stack schema-item" key={index}>
          <Field
            root={props.root}
            schema={itemSchema}
            name={String(index)}
            label={`${singular} ${index + 1}`}
            path={`${props.path}/${index}`}
            value={item}
            required
            errors={props.errors}
            refs={props.refs}
            onChange={(next) => props.onChange(items.map((old, i) => (i === index ? next : old)))}
          />
          <button
            type="button"
            className="ghost small"
            onClick={() => {
              const next = items.filter((_, i) => i !== index);
              props.onChange(next.length ? next : undefined);
            }}
          >
            Remove {singular.toLowerCase()} {index + 1}
          </button>
        </div>
      ))}
      <button type="button" className="small" onClick={() => props.onChange([...items, {}])}>
        Add {singular.toLowerCase()}
      </button>
    </fieldset>
  );
}

/** Free-form JSON: kept as text while typed, written back when it parses. */
function JsonField(props: FieldProps) {
  const [text, setText] = useState(() => asJson(props.value));
  const [invalid, setInvalid] = useState(false);
  const [seen, setSeen] = useState(props.value);
  if (seen !== props.value) {
    // Changed from outside (another node selected, a reload): show it, unless it is what is being typed.
    setSeen(props.value);
    if (!sameJson(text, props.value)) setText(asJson(props.value));
  }
  return (
    <TextArea
      label={props.label}
      hint="JSON"
      rows={4}
      className="mono"
      value={text}
      error={invalid ? "not valid JSON" : props.errors[props.path]}
      onChange={(e) => {
        setText(e.target.value);
        if (e.target.value.trim() === "") {
          setInvalid(false);
          props.onChange(undefined);
          return;
        }
        try {
          props.onChange(JSON.parse(e.target.value));
          setInvalid(false);
        } catch {
          setInvalid(true);
        }
      }}
    />
  );
}

function asJson(value: Value): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

function sameJson(text: string, value: Value): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}
