// What a signed link in the confirmation opens (no sign-in): the appointment, and cancelling it. A used or
// forged link says so.
import { useParams } from "react-router";
import { ErrorState, Loading } from "@/components/ui";
import { useCancelByLink, useManaged } from "./api";
import "./calendar.css";

export default function ManagePage() {
  const { token = "" } = useParams();
  const query = useManaged(token);
  const cancel = useCancelByLink(token);
  const appointment = cancel.data?.appointment ?? query.data?.appointment;
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
              <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
                Cancel appointment
              </button>
            )}
            {cancel.isError ? <ErrorState error={cancel.error} /> : null}
          </>
        ) : null}
      </section>
    </main>
  );
}
