// What a signed link in the confirmation opens (no sign-in): the appointment, moving it to another free time,
// or cancelling it. A used or forged link says so; a move gives a new link (the old one is used up).
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "react-router";
import { ErrorState, Loading, QueryState } from "@/components/ui";
import { useCancelByLink, useManaged, usePublicSlots, useRescheduleByLink } from "./api";
import { SlotPicker } from "./BookingPage";
import { addDays, browserZone, isoDate } from "./time";
import "./calendar.css";

export default function ManagePage() {
  const { token = "" } = useParams();
  return <Manage key={token} token={token} />; // a new link (after a move) starts afresh
}

function Manage({ token }: { token: string }) {
  const query = useManaged(token);
  const cancel = useCancelByLink(token);
  const [moving, setMoving] = useState(false);
  const appointment = cancel.data?.appointment ?? query.data?.appointment;
  const page = query.data?.page;
  return (
    <main className="booking" aria-labelledby="booking-title">
      <section className="panel booking-panel">
        <h1 id="booking-title">Your appointment</h1>
        {query.isPending ? <Loading /> : null}
        {query.isError ? <ErrorState error={query.error} /> : null}
        {appointment ? (
          <>
            <p>
              {appointment.event_type_name},{" "}
              {new Date(appointment.start).toLocaleString([], { dateStyle: "full", timeStyle: "short" })}{" "}
              <span className="badge">{appointment.status}</span>
            </p>
            {appointment.status === "cancelled" ? (
              <p aria-live="polite">It is cancelled.</p>
            ) : (
              <div className="row">
                {page ? (
                  <button type="button" onClick={() => setMoving(!moving)}>
                    Pick another time
                  </button>
                ) : null}
                <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
                  Cancel appointment
                </button>
              </div>
            )}
            {cancel.isError ? <ErrorState error={cancel.error} /> : null}
            {moving && page && appointment.status !== "cancelled" ? (
              <Move token={token} workspace={page.workspace} slug={page.slug} />
            ) : null}
          </>
        ) : null}
      </section>
    </main>
  );
}

function Move({ token, workspace, slug }: { token: string; workspace: string; slug: string }) {
  const zone = browserZone();
  const today = new Date();
  const slots = usePublicSlots(workspace, slug, isoDate(today), isoDate(addDays(today, 13)), zone);
  const move = useRescheduleByLink(token);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  if (move.isPending) return <Loading label="Moving" />;
  return (
    <section aria-label="Pick another time" className="stack">
      <p className="muted">Times in {zone}</p>
      {move.isError ? <ErrorState error={move.error} /> : null}
      <QueryState query={slots}>
        {(data) => (
          <SlotPicker
            slots={data.slots}
            onPick={(slot) =>
              move.mutate(slot.start, {
                onSuccess: (result) => {
                  void queryClient.invalidateQueries({ queryKey: ["booking", workspace, slug] });
                  void navigate(`/book/manage/${result.manage_token}`, { replace: true });
                },
              })
            }
          />
        )}
      </QueryState>
    </section>
  );
}
