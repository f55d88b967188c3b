// One sub-account's markup per product, in percent on top of our cost (0 bills at cost). The API checks each
// value and names the product it refuses, shown next to that field.
import { useState, type FormEvent } from "react";
import { FormError, QueryState, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { PRODUCTS, useRebilling, useSetRebilling, type SubAccount } from "./api";
import { changedMarkups, formatMarkup, type Markups } from "./money";

const FIELDS = PRODUCTS.map((p) => `markups/${p.key}`);

export function RebillingEditor({ subAccount }: { subAccount: SubAccount }) {
  const rebilling = useRebilling(subAccount.id);
  return (
    <QueryState query={rebilling}>
      {(data) => <MarkupForm subAccountId={subAccount.id} saved={data.markups} />}
    </QueryState>
  );
}

function MarkupForm({ subAccountId, saved }: { subAccountId: string; saved: Markups }) {
  const save = useSetRebilling(subAccountId);
  const toast = useToast();
  const [values, setValues] = useState<Markups>(saved);
  const errors = formErrors(save.error, FIELDS);
  const changed = changedMarkups(saved, values);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(changed, {
      onSuccess: (answer) => {
        setValues(answer.markups);
        toast("Markups saved");
      },
    });
  };
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <p className="muted">Percent added to our cost of each product when this client is billed. 0 bills at cost.</p>
      {PRODUCTS.map((product) => (
        <TextField
          key={product.key}
          label={`${product.label} markup (%)`}
          inputMode="decimal"
          value={values[product.key]}
          onChange={(e) => setValues({ ...values, [product.key]: e.target.value })}
          error={errors.fields[`markups/${product.key}`]}
          hint={`Now ${formatMarkup(saved[product.key])} on ${product.unit}`}
        />
      ))}
      <FormError message={errors.form} />
      <div>
        <button type="submit" className="primary" disabled={save.isPending || Object.keys(changed).length === 0}>
          {save.isPending ? "Saving…" : "Save markups"}
        </button>
      </div>
    </form>
  );
}
