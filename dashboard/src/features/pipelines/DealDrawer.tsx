// A deal's drawer: its details edited under the version the user read (a 409 says it changed meanwhile),
// its stage, won / lost, and the history of its stays in stages.
import { useState, type FormEvent } from "react";
import { Drawer, FormError, QueryState, SelectField, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { isApiError } from "@/lib/api/errors";
import { useDeal, useDealHistory, useMembers, useUpdateDeal } from "./api";
import { ContactPicker } from "./ContactPicker";
import { formatMoney, type Column, type Deal } from "./board";

const FIELDS = ["name", "value", "expected_close_date", "owner_id", "contact_id", "lost_reason", "status", "stage_id"];

function duration(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  if (days >= 1) return `${days} day${days === 1 ? "" : "s"}`;
  const hours = Math.floor(seconds / 3600);
  if (hours >= 1) return `${hours} hour${hours === 1 ? "" : "s"}`;
  return `${Math.max(1, Math.floor(seconds / 60))} min`;
}

export function DealDrawer({
  dealId,
  stages,
  onClose,
  onMoveTo,
}: {
  dealId: string;
  stages: Column[];
  onClose: () => void;
  onMoveTo: (deal: Deal, stageId: string, lostReason?: string) => void;
}) {
  const deal = useDeal(dealId);
  // Owned here, not by the form: a 409 reloads the deal (a new form) and its message must stay in view.
  const update = useUpdateDeal(dealId);
  return (
    <Drawer title={deal.data?.name ?? "Deal"} onClose={onClose}>
      <QueryState query={deal}>
        {(data) => <DealDetails key={data.version} deal={data} stages={stages} onMoveTo={onMoveTo} update={update} />}
      </QueryState>
    </Drawer>
  );
}

function DealDetails({
  deal,
  stages,
  onMoveTo,
  update,
}: {
  deal: Deal;
  stages: Column[];
  onMoveTo: (deal: Deal, stageId: string, lostReason?: string) => void;
  update: ReturnType<typeof useUpdateDeal>;
}) {
  const [name, setName] = useState(deal.name);
  const [value, setValue] = useState(deal.value);
  const [closeDate, setCloseDate] = useState(deal.expected_close_date ?? "");
  const [ownerId, setOwnerId] = useState(deal.owner_id ?? "");
  const [contactId, setContactId] = useState<string | null>(deal.contact_id);
  const [lostReason, setLostReason] = useState("");
  const [stageError, setStageError] = useState<string | undefined>();
  const members = useMembers();
  const errors = formErrors(update.error, FIELDS);
  const conflict = isApiError(update.error, 409);
  const wonStage = stages.find((s) => s.kind === "won");
  const lostStage = stages.find((s) => s.kind === "lost");

  const save = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      version: deal.version,
      name,
      value: value.trim(),
      expected_close_date: closeDate || null,
      owner_id: ownerId || null,
      ...(contactId ? { contact_id: contactId } : {}),
    });
  };
  const close = (status: "won" | "lost") => {
    const stage = status === "won" ? wonStage : lostStage;
    if (stage) onMoveTo(deal, stage.id, status === "lost" ? lostReason.trim() : undefined);
    else update.mutate({ version: deal.version, status, ...(status === "lost" ? { lost_reason: lostReason } : {}) });
  };

  return (
    <div className="stack">
      <p className="row">
        <span className={`badge ${deal.status === "won" ? "success" : deal.status === "lost" ? "danger" : "accent"}`}>
          {deal.status}
        </span>
        <span className="muted">
          {formatMoney({ [deal.currency]: deal.value })} · {deal.probability}% · weighted{" "}
          {formatMoney({ [deal.currency]: deal.weighted_value })}
        </span>
      </p>
      <SelectField
        label="Stage"
        value={deal.stage_id}
        error={stageError}
        onChange={(e) => {
          const target = stages.find((s) => s.id === e.target.value);
          if (target?.kind === "lost" && !lostReason.trim()) {
            setStageError("Give a lost reason below before moving the deal to a lost stage.");
            return;
          }
          setStageError(undefined);
          onMoveTo(deal, e.target.value, target?.kind === "lost" ? lostReason.trim() : undefined);
        }}
      >
        {stages.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </SelectField>
      <form className="stack" onSubmit={save} noValidate>
        <TextField label="Title" value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} />
        <TextField
          label={`Amount (${deal.currency})`}
          inputMode="decimal"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          error={errors.fields.value}
        />
        <TextField
          label="Expected close date"
          type="date"
          value={closeDate}
          onChange={(e) => setCloseDate(e.target.value)}
          error={errors.fields.expected_close_date}
        />
        <SelectField
          label="Owner"
          value={ownerId}
          onChange={(e) => setOwnerId(e.target.value)}
          error={errors.fields.owner_id}
        >
          <option value="">Nobody</option>
          {(members.data?.items ?? []).map((m) => (
            <option key={m.user_id} value={m.user_id}>
              {m.name || m.email}
            </option>
          ))}
        </SelectField>
        <ContactPicker value={contactId} onChange={setContactId} error={errors.fields.contact_id} />
        <FormError
          message={
            conflict ? "Someone else changed this deal; it has been reloaded. Check it and save again." : errors.form
          }
        />
        <div className="row">
          <button type="submit" className="primary" disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save deal"}
          </button>
        </div>
      </form>
      {deal.status === "open" ? (
        <section className="stack" aria-label="Close the deal">
          <h3>Close the deal</h3>
          <TextField
            label="Lost reason"
            value={lostReason}
            onChange={(e) => setLostReason(e.target.value)}
            error={errors.fields.lost_reason}
          />
          <div className="row">
            <button type="button" onClick={() => close("won")}>
              Mark won
            </button>
            <button type="button" className="danger" onClick={() => close("lost")} disabled={!lostReason.trim()}>
              Mark lost
            </button>
          </div>
        </section>
      ) : deal.lost_reason ? (
        <p className="muted">Lost because: {deal.lost_reason}</p>
      ) : null}
      <DealHistory dealId={deal.id} />
    </div>
  );
}

function DealHistory({ dealId }: { dealId: string }) {
  const history = useDealHistory(dealId);
  return (
    <section aria-label="Stage history">
      <h3>History</h3>
      <QueryState query={history} isEmpty={(h) => h.items.length === 0} empty="No moves yet.">
        {(h) => (
          <ol className="history">
            {h.items.map((stay) => (
              <li key={stay.entered_at}>
                <strong>{stay.to_stage_name ?? "A deleted stage"}</strong>
                {stay.from_stage_name ? <span className="muted"> from {stay.from_stage_name}</span> : null}
                <div className="muted">
                  {new Date(stay.entered_at).toLocaleString()} · {duration(stay.seconds_in_stage)}
                  {stay.current ? " so far" : ""}
                </div>
              </li>
            ))}
          </ol>
        )}
      </QueryState>
    </section>
  );
}
