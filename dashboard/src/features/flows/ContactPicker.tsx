// Choose a contact by name, email or phone (for a dry run).
import { useId, useState } from "react";
import { SelectField, TextField } from "@/components/ui";
import { useContactSearch } from "./api";

export function ContactPicker({ value, onChange }: { value: string; onChange: (contactId: string) => void }) {
  const [text, setText] = useState("");
  const found = useContactSearch(text);
  const items = (found.data?.items ?? []) as {
    id: string;
    first_name?: string | null;
    last_name?: string | null;
    email?: string | null;
    phone?: string | null;
  }[];
  const hint = useId();
  return (
    <div className="stack">
      <TextField
        label="Find a contact"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Name, email or phone"
      />
      <SelectField label="Contact" value={value} aria-describedby={hint} onChange={(e) => onChange(e.target.value)}>
        <option value="">
          {found.isPending ? "Searching…" : items.length ? "Choose a contact" : "No contact found"}
        </option>
        {items.map((c) => (
          <option key={c.id} value={c.id}>
            {[c.first_name, c.last_name].filter(Boolean).join(" ") || c.email || c.phone || c.id}
          </option>
        ))}
      </SelectField>
      <span id={hint} className="sr-only">
        The contact the dry run walks the flow for
      </span>
    </div>
  );
}
