// One call in a drawer: facts, the recording, the analysis (summary, sentiment, outcome), the cost in dollars
// and the transcript turn by turn with the time into the call.
import { useState } from "react";
import { Drawer, QueryState } from "@/components/ui";
import { useCall } from "./api";
import { STATUS_TONE, formatDuration, formatMoney, groupTranscript, label, type Call } from "./model";

const SPEAKER = { caller: "Caller", agent: "Agent", action: "Action" } as const;

export function CallDetail({ callId, onClose }: { callId: string; onClose: () => void }) {
  const call = useCall(callId);
  return (
    <Drawer title="Call" onClose={onClose}>
      <QueryState query={call}>{(data) => <CallBody key={data.id} call={data} />}</QueryState>
    </Drawer>
  );
}

function CallBody({ call }: { call: Call }) {
  const started = call.started_at ?? call.created_at;
  // A refetch signs a new link: keep the first so a playing recording is not reloaded.
  const [audio, setAudio] = useState(call.recording_audio_url ?? null);
  if (!audio && call.recording_audio_url) setAudio(call.recording_audio_url);
  return (
    <div className="stack call-detail">
      <dl className="call-facts">
        <dt>Direction</dt>
        <dd>{label(call.direction)}</dd>
        <dt>From → to</dt>
        <dd>
          {call.from} → {call.to}
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge ${STATUS_TONE[call.status]}`}>{label(call.status)}</span>
        </dd>
        <dt>Started</dt>
        <dd>{new Date(started).toLocaleString()}</dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(call.duration_s)}
          {call.minutes ? ` (${call.minutes} billed min)` : ""}
        </dd>
        <dt>Cost</dt>
        <dd
          title={`Telephony ${formatMoney(call.cost.telephony_micros)}, relay ${formatMoney(call.cost.relay_micros)}, AI ${formatMoney(call.cost.tokens_micros)}`}
        >
          {formatMoney(call.cost.total_micros)}{" "}
          <span className="muted">
            (telephony {formatMoney(call.cost.telephony_micros)}, relay {formatMoney(call.cost.relay_micros)}, AI{" "}
            {formatMoney(call.cost.tokens_micros)} for {call.cost.tokens} tokens)
          </span>
        </dd>
      </dl>
      {audio ? (
        <audio controls src={audio} aria-label="Call recording" preload="none" />
      ) : call.recording_url ? (
        <p className="muted">The recording is being copied; it plays here shortly.</p>
      ) : null}
      <section aria-label="Analysis" className="call-analysis">
        <h3>Analysis</h3>
        {call.analysis === null ? (
          <p className="muted">No analysis: the call did not connect.</p>
        ) : call.analysis.status === "pending" ? (
          <p className="muted" role="status">
            Analysing the call…
          </p>
        ) : (
          <>
            <p>{call.summary}</p>
            <div className="row">
              {call.outcome ? <span className="badge accent">Outcome: {label(call.outcome)}</span> : null}
              {call.sentiment ? (
                <span
                  className={`badge ${call.sentiment.label === "negative" ? "danger" : call.sentiment.label === "positive" ? "success" : ""}`}
                >
                  Sentiment: {label(call.sentiment.label)} ({call.sentiment.score.toFixed(2)})
                </span>
              ) : null}
              <span className="muted">
                by {call.analysis.generator === "openai" ? "the AI model" : "offline rules"}
              </span>
            </div>
          </>
        )}
      </section>
      <section aria-label="Transcript">
        <h3>Transcript</h3>
        <Transcript call={call} />
      </section>
    </div>
  );
}

function Transcript({ call }: { call: Call }) {
  const groups = groupTranscript(call.transcript ?? [], call.started_at);
  if (groups.length === 0) return <p className="muted">Nothing was said.</p>;
  return (
    <ol className="transcript">
      {groups.map((group) => (
        <li key={group.at + group.role} className={`turn turn-${group.role}`}>
          <div className="turn-head">
            <strong>{SPEAKER[group.role]}</strong>{" "}
            <time dateTime={group.at} className="muted">
              {formatDuration(group.offset)}
            </time>
          </div>
          {group.turns.map((turn) => (
            <p key={turn.at}>
              {turn.text}
              {turn.interrupted ? <em className="muted"> (interrupted)</em> : null}
            </p>
          ))}
        </li>
      ))}
    </ol>
  );
}
