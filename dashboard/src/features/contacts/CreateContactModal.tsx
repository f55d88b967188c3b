// New contact: a modal form; the API's refusals are shown next to the fields they name.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { api, unwrap, type paths } from "@/lib/api/client";
import { FormError, Modal, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { splitList } from "./filters";

type Body = paths["/contacts"]["post"]["requestBody"]["content"]["application/json"];
const FIELDS = ["first_name", "last_name", "email", "phone", "company", "source", "tags"] as const;
const LABELS: Record<(typeof FIELDS)[number], string> = {
  first_name: "First name",
  last_name: "Last name",
  email: "Email",
  phone: "Phone",
  company: "Company",
  source: "Source",
  tags: "Tags",
};

export function CreateContactModal({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: (body: Body) => unwrap(api.POST("/contacts", { body })),
    onSuccess: (contact) => {
      void queryClient.invalidateQueries({ queryKey: ["contacts"] });
      void queryClient.invalidateQueries({ queryKey: ["tags"] });
      onClose();
      navigate(`/contacts/${contact.id}`);
    },
  });
  const errors = formErrors(create.error, FIELDS);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    for (const field of FIELDS) {
      const value = (values[field] ?? "").trim();
      if (!value) continue;
      body[field] = field === "tags" ? splitList(value) : value;
    }
    create.mutate(body as Body);
  };

  return (
    <Modal title="New contact" onClose={onClose}>
      <form className="stack" onSubmit={submit} noValidate>
        <div className="grid form-grid">
          {FIELDS.map((field) => (
            <TextField
              key={field}
              label={LABELS[field]}
              type={field === "email" ? "email" : field === "phone" ? "tel" : "text"}
              hint={field === "tags" ? "Comma separated" : undefined}
              value={values[field] ?? ""}
              onChange={(e) => setValues({ ...values, [field]: e.target.value })}
              error={errors.fields[field]}
            />
          ))}
        </div>
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create contact"}
          </button>
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
