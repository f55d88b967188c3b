// API keys for integrations: created with a name and scopes, the secret shown once in a dialog, listed, revoked.
import { useState, type FormEvent } from "react";
import { CopyField, FormError, Modal, Panel, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKey } from "./api";
import { AdminQuery, Checkbox, ConfirmButton, formatDate } from "./parts";

type Scope = ApiKey["scopes"][number];

/** Write implies read (the API adds it too); at least read. */
export function scopesFor(write: boolean): Scope[] {
  return write ? ["read", "write"] : ["read"];
}

export function ApiKeysSettings() {
  const keys = useApiKeys();
  const revoke = useRevokeApiKey();
  const toast = useToast();
  const [secret, setSecret] = useState<ApiKey | null>(null);
  return (
    <div className="stack">
      <Panel title="Create an API key">
        <CreateKeyForm onCreated={setSecret} />
      </Panel>
      <Panel title="API keys">
        <AdminQuery query={keys} empty="No API keys yet." isEmpty={(page) => page.items.length === 0}>
          {(page) => (
            <div className="settings-table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Key</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((key) => (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td>
                        <code>{key.prefix}…</code>
                      </td>
                      <td>{key.scopes.join(", ")}</td>
                      <td>{formatDate(key.created_at)}</td>
                      <td>{formatDate(key.last_used_at)}</td>
                      <td>
                        {key.revoked_at ? (
                          <span className="badge danger">Revoked</span>
                        ) : (
                          <span className="badge success">Active</span>
                        )}
                      </td>
                      <td>
                        {key.revoked_at ? null : (
                          <ConfirmButton
                            label={`Revoke ${key.name}`}
                            title={`Revoke ${key.name}?`}
                            confirmLabel="Revoke key"
                            busy={revoke.isPending}
                            onConfirm={async () => {
                              await revoke.mutateAsync(key.id);
                              toast(`${key.name} revoked`);
                            }}
                          >
                            <p>Integrations using this key are refused from now on. This cannot be undone.</p>
                          </ConfirmButton>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </AdminQuery>
      </Panel>
      {secret?.key ? (
        <Modal title="Your new API key" onClose={() => setSecret(null)}>
          <div className="stack">
            <p className="settings-warning" role="note">
              <strong>Copy it now.</strong> This is the only time the key is shown; LeadPilot keeps only a hash of it.
              If you lose it, revoke it and create another.
            </p>
            <CopyField label="API key secret" value={secret.key} />
            <p className="muted">
              Send it in the <code>X-Api-Key</code> header. Scopes: {secret.scopes.join(", ")}.
            </p>
            <div className="row">
              <button type="button" className="primary" onClick={() => setSecret(null)}>
                I have copied it
              </button>
            </div>
          </div>
        </Modal>
      ) : null}
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (key: ApiKey) => void }) {
  const create = useCreateApiKey();
  const [name, setName] = useState("");
  const [write, setWrite] = useState(false);
  const errors = formErrors(create.error, ["name", "scopes"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { name, scopes: scopesFor(write) },
      {
        onSuccess: (key) => {
          setName("");
          setWrite(false);
          onCreated(key);
        },
      },
    );
  };
  return (
    <form className="stack settings-form" onSubmit={submit} noValidate>
      <TextField
        label="Key name"
        value={name}
        maxLength={100}
        placeholder="e.g. Zapier"
        onChange={(e) => setName(e.target.value)}
        error={errors.fields.name}
      />
      <fieldset className="settings-fieldset">
        <legend>Scopes</legend>
        <Checkbox label="Read: list and fetch data" checked disabled />
        <Checkbox
          label="Write: create, change and delete data"
          checked={write}
          onChange={(e) => setWrite(e.target.checked)}
          error={errors.fields.scopes}
        />
      </fieldset>
      <FormError message={errors.form} />
      <p className="muted">The secret is shown once, right after you create the key.</p>
      <div className="row">
        <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </div>
    </form>
  );
}
