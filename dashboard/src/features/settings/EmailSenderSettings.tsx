// The from identity of emails: address and name, verified in SES (the address or its whole domain) before sending.
import type { FormEvent } from "react";
import { Panel, QueryState, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { useEmailSender, useSetEmailSender, type EmailSender } from "./api";
import { useDraft } from "./form";
import { Checkbox, SaveBar, formatDate } from "./parts";

export function EmailSenderSettings() {
  const sender = useEmailSender();
  return (
    <Panel title="Email sender">
      <QueryState query={sender}>{(data) => <SenderForm sender={data} key={data?.updated_at ?? "new"} />}</QueryState>
    </Panel>
  );
}

function SenderStatus({ sender }: { sender: EmailSender | null }) {
  if (!sender) return <p className="muted">No sender yet: emails cannot be sent until you set one.</p>;
  const verified = sender.status === "verified";
  return (
    <p className="row" aria-label="Verification">
      <span className={`badge ${verified ? "success" : "warning"}`}>
        {verified ? "Verified" : "Pending verification"}
      </span>
      <span className="muted">
        {sender.identity_type === "domain" ? "Domain" : "Address"} {sender.identity}
        {verified ? "" : ": follow the link in the verification email (or add the DNS records) to start sending"}
        {` · updated ${formatDate(sender.updated_at)}`}
      </span>
    </p>
  );
}

function SenderForm({ sender }: { sender: EmailSender | null }) {
  const toast = useToast();
  const save = useSetEmailSender();
  const draft = useDraft({
    email: sender?.email ?? "",
    name: sender?.name ?? "",
    verify_domain: sender?.identity_type === "domain",
  });
  const errors = formErrors(save.error, ["email", "name", "verify_domain"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // PUT replaces the sender: send the whole form
    save.mutate(draft.values, {
      onSuccess: (saved) => {
        draft.commit({ email: saved.email, name: saved.name ?? "", verify_domain: saved.identity_type === "domain" });
        toast(saved.status === "verified" ? "Sender saved and verified" : "Sender saved: verification pending");
      },
    });
  };
  return (
    <form className="stack settings-form" onSubmit={submit} noValidate>
      <SenderStatus sender={save.data ?? sender} />
      <TextField
        label="From address"
        type="email"
        autoComplete="off"
        value={draft.values.email}
        onChange={(e) => draft.set("email", e.target.value)}
        error={errors.fields.email}
      />
      <TextField
        label="From name"
        maxLength={100}
        value={draft.values.name}
        onChange={(e) => draft.set("name", e.target.value)}
        error={errors.fields.name}
        hint="What recipients see next to the address, e.g. your business name."
      />
      <Checkbox
        label="Verify the whole domain (any address at it can send)"
        checked={draft.values.verify_domain}
        onChange={(e) => draft.set("verify_domain", e.target.checked)}
        error={errors.fields.verify_domain}
      />
      <SaveBar
        dirty={draft.dirty}
        saving={save.isPending}
        onDiscard={draft.discard}
        error={errors.form}
        label={sender ? "Save sender" : "Set sender"}
      />
    </form>
  );
}
