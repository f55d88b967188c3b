import { useState } from "react";
import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { SchemaForm, editorFor, parseScalar } from "./SchemaForm";
import { nodeSchema } from "../model/schema";
import { flowJsonSchema } from "../model/testSchema";
import type { JsonSchema } from "../model/types";

const root = flowJsonSchema();

function Harness({
  schema,
  initial,
  errors,
}: {
  schema: JsonSchema;
  initial: Record<string, unknown>;
  errors?: Record<string, string>;
}) {
  const [value, setValue] = useState(initial);
  return (
    <>
      <SchemaForm
        root={root}
        schema={schema}
        value={value}
        onChange={setValue}
        errors={errors}
        hidden={["id", "type", "position"]}
      />
      <output data-testid="value">{JSON.stringify(value)}</output>
    </>
  );
}

const valueOf = () => JSON.parse(screen.getByTestId("value").textContent ?? "{}");

describe("SchemaForm", () => {
  it("picks an editor for each kind of schema", () => {
    expect(editorFor({ type: "string" })).toBe("text");
    expect(editorFor({ type: "string", maxLength: 1600 })).toBe("textarea");
    expect(editorFor({ type: "integer" })).toBe("number");
    expect(editorFor({ type: "boolean" })).toBe("boolean");
    expect(editorFor({ enum: ["sms", "email"] })).toBe("enum");
    expect(editorFor({ type: "object", properties: { days: { type: "integer" } } })).toBe("group");
    expect(editorFor({ type: "object", additionalProperties: { type: "string" } })).toBe("map");
    expect(editorFor({ type: "array", uniqueItems: true, items: { enum: ["mon"] } })).toBe("choices");
    expect(editorFor({ type: "array", items: { type: "string" } })).toBe("lines");
    expect(editorFor({ type: "array", items: { type: "object" } })).toBe("list");
    expect(editorFor({ type: ["string", "number", "boolean"] })).toBe("scalar");
    expect(editorFor({ type: ["string", "object"] })).toBe("json");
    expect(editorFor({ type: "object", properties: { a: {} } }, true)).toBe("json");
  });

  it("parses scalars as the first type they fit", () => {
    expect(parseScalar("42", ["number", "boolean"])).toBe(42);
    expect(parseScalar("42", ["string", "number"])).toBe("42");
    expect(parseScalar("true", ["number", "boolean"])).toBe(true);
    expect(parseScalar("", ["string"])).toBeUndefined();
  });

  it("edits a text message: text, enum and removal of an emptied field", () => {
    // Given the settings of a Send SMS step
    render(<Harness schema={nodeSchema(root, "send_sms")} initial={{ body: "Hi" }} />);
    // When the body is changed, then emptied
    fireEvent.change(screen.getByLabelText("Body"), { target: { value: "Hello there" } });
    expect(valueOf()).toEqual({ body: "Hello there" });
    fireEvent.change(screen.getByLabelText("Body"), { target: { value: "" } });
    // Then an emptied field is left out (the API then says it is required)
    expect(valueOf()).toEqual({});
    // and the canvas's own keys are not drawn
    expect(screen.queryByLabelText("Id")).toBeNull();
  });

  it("edits a duration as a group of numbers and a channel as a choice", () => {
    render(<Harness schema={nodeSchema(root, "wait_for_reply")} initial={{ timeout: { days: 2 } }} />);
    fireEvent.change(screen.getByLabelText("Hours"), { target: { value: "6" } });
    fireEvent.change(screen.getByLabelText("Channel"), { target: { value: "sms" } });
    expect(valueOf()).toEqual({ timeout: { days: 2, hours: 6 }, channel: "sms" });
  });

  it("shows the API's errors next to the fields they name, nested ones included", () => {
    render(
      <Harness
        schema={nodeSchema(root, "wait_for_reply")}
        initial={{ timeout: { days: 900 } }}
        errors={{ "timeout/days": "900 is greater than the maximum of 365", body: "unused" }}
      />,
    );
    const days = screen.getByLabelText("Days");
    expect(days.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByRole("alert").textContent).toBe("900 is greater than the maximum of 365");
  });

  it("edits lists of objects (branch cases) and maps (contact fields)", () => {
    render(<Harness schema={nodeSchema(root, "branch")} initial={{ cases: [] }} />);
    fireEvent.click(screen.getByRole("button", { name: "Add case" }));
    fireEvent.change(screen.getByLabelText("Label"), { target: { value: "hot" } });
    fireEvent.change(screen.getByLabelText("Op"), { target: { value: "has_tag" } });
    expect(valueOf()).toEqual({ cases: [{ label: "hot", if: { op: "has_tag" } }] });
  });

  it("edits a map of fields, and falls back to JSON for what it cannot draw", () => {
    render(<Harness schema={nodeSchema(root, "update_contact")} initial={{}} />);
    fireEvent.click(screen.getByRole("button", { name: "Add fields" }));
    fireEvent.change(screen.getByLabelText("Fields 1 name"), { target: { value: "company" } });
    fireEvent.change(screen.getByLabelText("Fields 1 value"), { target: { value: "Acme" } });
    expect(valueOf()).toEqual({ fields: { company: "Acme" } });
  });

  it("takes JSON where the schema is recursive and says when it does not parse", () => {
    render(<Harness schema={nodeSchema(root, "webhook")} initial={{ url: "https://example.com" }} />);
    const body = screen.getByLabelText("Body");
    fireEvent.change(body, { target: { value: '{"a": 1}' } });
    expect(valueOf()).toEqual({ url: "https://example.com", body: { a: 1 } });
    fireEvent.change(body, { target: { value: "{broken" } });
    expect(screen.getByText("not valid JSON")).toBeTruthy();
    expect(valueOf().body).toEqual({ a: 1 });
  });
});
