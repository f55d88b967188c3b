// Members and their roles, and invites. Owners and admins manage them; the API's refusal (403) is shown to
// anyone else where they tried.
import { useState, type FormEvent } from "react";
import { CopyField, EmptyState, FormError, Panel, QueryState, SelectField, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { messageOf } from "@/lib/api/errors";
import { readSession } from "@/lib/auth/session";
import {
  useChangeRole,
  useCreateInvite,
  useInvites,
  useMembers,
  useRemoveMember,
  useRevokeInvite,
  type Invite,
  type Member,
} from "./api";
import { AdminQuery, ConfirmButton, formatDate } from "./parts";

const ROLES: { value: Member["role"]; label: string }[] = [
  { value: "member", label: "Member" },
  { value: "admin", label: "Admin" },
  { value: "owner", label: "Owner" },
];

/** Where an invited person accepts: this app's accept screen with the token. */
export function inviteLink(origin: string, token: string): string {
  return `${origin}/app/accept-invite?token=${encodeURIComponent(token)}`;
}

export function MembersSettings() {
  return (
    <div className="stack">
      <MembersPanel />
      <InvitesPanel />
    </div>
  );
}

function MembersPanel() {
  const members = useMembers();
  const changeRole = useChangeRole();
  const remove = useRemoveMember();
  const toast = useToast();
  const me = readSession()?.user?.email;
  const [failure, setFailure] = useState<string | null>(null);
  const onRole = (member: Member, role: Member["role"]) => {
    setFailure(null);
    changeRole.mutate(
      { userId: member.user_id, role },
      {
        onSuccess: () => toast(`${member.name} is now ${role === "admin" ? "an" : "a"} ${role}`),
        onError: (error) => setFailure(messageOf(error)),
      },
    );
  };
  return (
    <Panel title="Members">
      <FormError message={failure} />
      <QueryState query={members} empty="No members yet." isEmpty={(page) => page.items.length === 0}>
        {(page) => (
          <div className="settings-table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((member) => (
                  <tr key={member.user_id}>
                    <td>
                      {member.name}
                      {member.email === me ? <span className="muted"> (you)</span> : null}
                    </td>
                    <td>{member.email}</td>
                    <td>
                      <select
                        aria-label={`Role of ${member.name}`}
                        value={member.role}
                        disabled={changeRole.isPending}
                        onChange={(e) => onRole(member, e.target.value as Member["role"])}
                      >
                        {ROLES.map((role) => (
                          <option key={role.value} value={role.value}>
                            {role.label}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>{formatDate(member.joined_at)}</td>
                    <td>
                      <ConfirmButton
                        label={`Remove ${member.name}`}
                        title={`Remove ${member.name}?`}
                        confirmLabel="Remove member"
                        busy={remove.isPending}
                        onConfirm={async () => {
                          await remove.mutateAsync(member.user_id);
                          toast(`${member.name} was removed`);
                        }}
                      >
                        <p>They lose access to this workspace at once. Their notes, tasks and history stay.</p>
                      </ConfirmButton>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </Panel>
  );
}

function InvitesPanel() {
  const invites = useInvites();
  const create = useCreateInvite();
  const revoke = useRevokeInvite();
  const toast = useToast();
  const [form, setForm] = useState<{ email: string; role: Member["role"] }>({ email: "", role: "member" });
  const [created, setCreated] = useState<Invite | null>(null);
  const errors = formErrors(create.error, ["email", "role"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(form, {
      onSuccess: (invite) => {
        setCreated(invite);
        setForm({ email: "", role: "member" });
        toast(`Invite created for ${invite.email}`);
      },
    });
  };
  const pending = (invites.data?.items ?? []).filter((invite) => invite.status === "pending");
  return (
    <Panel title="Invites">
      <form className="stack settings-form" onSubmit={submit} noValidate aria-label="Invite a member">
        <div className="settings-inline">
          <TextField
            label="Email to invite"
            type="email"
            autoComplete="off"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
            error={errors.fields.email}
          />
          <SelectField
            label="Role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Member["role"] })}
            error={errors.fields.role}
          >
            {ROLES.map((role) => (
              <option key={role.value} value={role.value}>
                {role.label}
              </option>
            ))}
          </SelectField>
        </div>
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={create.isPending || !form.email.trim()}>
            {create.isPending ? "Inviting…" : "Send invite"}
          </button>
        </div>
      </form>
      {created?.token ? (
        <div className="settings-callout stack" aria-live="polite">
          <p>
            Share this link with <strong>{created.email}</strong>: it is shown only now. Anyone with it can join as{" "}
            {created.role} until {formatDate(created.expires_at)}.
          </p>
          <CopyField label="Invite link" value={inviteLink(window.location.origin, created.token)} />
          <div className="row">
            <button type="button" className="ghost" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      <h3>Pending invites</h3>
      <AdminQuery query={invites}>
        {() =>
          pending.length === 0 ? (
            <EmptyState>No pending invites.</EmptyState>
          ) : (
            <ul className="settings-list">
              {pending.map((invite) => (
                <li key={invite.id} className="row">
                  <span>{invite.email}</span>
                  <span className="badge">{invite.role}</span>
                  <span className="muted">expires {formatDate(invite.expires_at)}</span>
                  <ConfirmButton
                    label={`Revoke invite for ${invite.email}`}
                    title="Revoke this invite?"
                    confirmLabel="Revoke invite"
                    busy={revoke.isPending}
                    onConfirm={async () => {
                      await revoke.mutateAsync(invite.id);
                      toast(`Invite for ${invite.email} revoked`);
                    }}
                  >
                    <p>The link sent to {invite.email} stops working.</p>
                  </ConfirmButton>
                </li>
              ))}
            </ul>
          )
        }
      </AdminQuery>
    </Panel>
  );
}
