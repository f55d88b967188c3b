// The agency's sub-accounts: create one (optionally inviting its owner), open one (the app switches into it) and
// edit its rebilling markups.
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { CopyField, Drawer, FormError, Panel, QueryState, SelectField, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import type { Schemas } from "@/lib/api/client";
import { useCreateSubAccount, useOpenSubAccount, useSubAccounts, type SubAccount } from "./api";
import { RebillingEditor } from "./RebillingEditor";
import { enterSubAccount } from "./switching";

const FIELDS = ["name", "timezone", "owner_email"];

function timeZones(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones.includes(current) ? zones : [current, ...zones];
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function SubAccountsScreen({ agency }: { agency: Schemas["Agency"] }) {
  const [billing, setBilling] = useState<SubAccount | null>(null);
  return (
    <div className="agency-columns">
      <CreateSubAccount />
      <SubAccountList agencyName={agency.name} onRebilling={setBilling} />
      {billing ? (
        <Drawer title={`Rebilling · ${billing.name}`} onClose={() => setBilling(null)}>
          <RebillingEditor subAccount={billing} />
        </Drawer>
      ) : null}
    </div>
  );
}

function CreateSubAccount() {
  const create = useCreateSubAccount();
  const toast = useToast();
  const [form, setForm] = useState({ name: "", timezone: browserZone(), owner_email: "" });
  const [invite, setInvite] = useState<{ name: string; link: string } | null>(null);
  const errors = formErrors(create.error, FIELDS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const email = form.owner_email.trim();
    create.mutate(
      { name: form.name, timezone: form.timezone, ...(email ? { owner_email: email } : {}) },
      {
        onSuccess: (created) => {
          toast(`${created.name} created`);
          setForm({ ...form, name: "", owner_email: "" });
          const token = created.owner_invite?.token;
          setInvite(
            token ? { name: created.name, link: `${window.location.origin}/app/accept-invite?token=${token}` } : null,
          );
        },
      },
    );
  };
  return (
    <Panel title="New sub-account">
      <form className="stack" onSubmit={submit} noValidate>
        <TextField
          label="Client name"
          value={form.name}
          maxLength={120}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
          error={errors.fields.name}
          required
        />
        <SelectField
          label="Time zone"
          value={form.timezone}
          onChange={(e) => setForm({ ...form, timezone: e.target.value })}
          error={errors.fields.timezone}
        >
          {timeZones(form.timezone).map((zone) => (
            <option key={zone} value={zone}>
              {zone.replace(/_/g, " ")}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Owner email (optional)"
          type="email"
          value={form.owner_email}
          onChange={(e) => setForm({ ...form, owner_email: e.target.value })}
          error={errors.fields.owner_email}
          hint="Invites this person as the sub-account's owner."
        />
        <FormError message={errors.form} />
        <div>
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create sub-account"}
          </button>
        </div>
      </form>
      {invite ? (
        <div className="stack agency-invite">
          <p>Send this link to {invite.name}’s owner; it is shown only now.</p>
          <CopyField label="Owner invite link" value={invite.link} />
        </div>
      ) : null}
    </Panel>
  );
}

function SubAccountList({ agencyName, onRebilling }: { agencyName: string; onRebilling: (sub: SubAccount) => void }) {
  const subs = useSubAccounts();
  const open = useOpenSubAccount();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const openOne = (sub: SubAccount) =>
    open.mutate(sub.id, {
      onSuccess: (answer) => {
        enterSubAccount(answer, agencyName);
        queryClient.clear(); // everything cached belongs to the agency
        navigate("/");
      },
    });
  return (
    <Panel title="Sub-accounts">
      <QueryState
        query={subs}
        isEmpty={(data) => data.pages.every((page) => page.items.length === 0)}
        empty="No sub-accounts yet: create one for your first client."
      >
        {(data) => (
          <div className="stack">
            <FormError message={open.error ? formErrors(open.error).form : null} />
            <div className="table-scroll">
              <table aria-label="Sub-accounts">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Time zone</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.pages.flatMap((page) =>
                    page.items.map((sub) => (
                      <tr key={sub.id}>
                        <th scope="row" className="agency-name">
                          {sub.name}
                        </th>
                        <td>{sub.timezone.replace(/_/g, " ")}</td>
                        <td>{new Date(sub.created_at).toLocaleDateString()}</td>
                        <td>
                          <div className="row agency-actions">
                            <button
                              type="button"
                              className="small"
                              onClick={() => onRebilling(sub)}
                              aria-label={`Rebilling for ${sub.name}`}
                            >
                              Rebilling
                            </button>
                            <button
                              type="button"
                              className="small primary"
                              onClick={() => openOne(sub)}
                              disabled={open.isPending}
                              aria-label={`Open ${sub.name}`}
                            >
                              {open.isPending && open.variables === sub.id ? "Opening…" : "Open"}
                            </button>
                          </div>
                        </td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            </div>
            {subs.hasNextPage ? (
              <button type="button" onClick={() => void subs.fetchNextPage()} disabled={subs.isFetchingNextPage}>
                {subs.isFetchingNextPage ? "Loading…" : "Show more"}
              </button>
            ) : null}
          </div>
        )}
      </QueryState>
    </Panel>
  );
}
