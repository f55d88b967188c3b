// A test call to a number through the sandbox: the browser plays Twilio (it rings the number, then speaks
// ConversationRelay on the relay URL), the user types what the caller says and reads the agent's answers as
// they stream in; hanging up ends the call, which then shows in the list with its transcript and analysis.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { FormError, Panel, TextField } from "@/components/ui";
import { messageOf } from "@/lib/api/errors";
import { useHangUp, useStartTestCall } from "./api";
import { greetingOf } from "./model";
import { RelaySession } from "./relay";

interface Line {
  who: "caller" | "agent" | "system";
  text: string;
  done: boolean;
}

export function TestCallPanel({ numberId }: { numberId: string }) {
  const start = useStartTestCall();
  const hangUp = useHangUp();
  const [lines, setLines] = useState<Line[]>([]);
  const [said, setSaid] = useState("");
  const [callId, setCallId] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const session = useRef<RelaySession | null>(null);

  // Leaving the screen mid-call hangs up, so the test call does not stay "in progress".
  const liveCall = useRef<string | null>(null);
  const hangUpLater = useRef(hangUp.mutate);
  useEffect(() => {
    hangUpLater.current = hangUp.mutate;
  });
  useEffect(
    () => () => {
      session.current?.close();
      if (liveCall.current) hangUpLater.current(liveCall.current);
    },
    [],
  );

  const agentSays = (text: string, done: boolean) =>
    setLines((list) => {
      const last = list[list.length - 1];
      if (last && last.who === "agent" && !last.done) return [...list.slice(0, -1), { who: "agent", text, done }];
      return [...list, { who: "agent", text, done }];
    });

  const begin = () => {
    setLines([]);
    setEnded(false);
    setProblem(null);
    hangUp.reset();
    start.mutate(numberId, {
      onSuccess: (result) => {
        const call = result.call;
        setCallId(call?.id ?? null);
        const greeting = greetingOf(result.twiml);
        if (!result.relay_url || !call) {
          setLines([
            { who: "system", text: "The agent did not take this call (it is off, or outside its hours).", done: true },
          ]);
          setEnded(true);
          return;
        }
        if (greeting) setLines([{ who: "agent", text: greeting, done: true }]);
        liveCall.current = call.id;
        session.current = new RelaySession(
          result.relay_url,
          { callSid: result.call_sid, from: call.from, to: call.to },
          {
            onAnswer: agentSays,
            onEnd: () =>
              setLines((list) => [...list, { who: "system", text: "The agent ended the call.", done: true }]),
            onClose: () => (session.current = null),
          },
        );
      },
    });
  };

  const say = (event: FormEvent) => {
    event.preventDefault();
    const text = said.trim();
    if (!text || !session.current) return;
    setLines((list) => [...list, { who: "caller", text, done: true }]);
    setSaid("");
    session.current.say(text).catch((error: unknown) => setProblem(messageOf(error)));
  };

  const end = () => {
    session.current?.close();
    session.current = null;
    liveCall.current = null;
    if (callId) hangUp.mutate(callId, { onSuccess: () => setEnded(true) });
    else setEnded(true);
  };

  const live = callId !== null && !ended;
  return (
    <Panel title="Test call" aria-label="Test call">
      <p className="muted">
        Call this number as a caller would. Type what the caller says; the agent answers as it would on the phone.
      </p>
      <ol className="transcript test-call" aria-label="Test call conversation" aria-live="polite">
        {lines.map((line, i) => (
          <li key={i} className={`turn turn-${line.who === "system" ? "action" : line.who}`}>
            <strong>{line.who === "caller" ? "You" : line.who === "agent" ? "Agent" : "Call"}</strong>
            <p>{line.text || "…"}</p>
          </li>
        ))}
      </ol>
      {live ? (
        <form className="row test-call-say" onSubmit={say}>
          <TextField
            label="What the caller says"
            value={said}
            onChange={(e) => setSaid(e.target.value)}
            autoComplete="off"
          />
          <button type="submit" className="primary">
            Say
          </button>
          <button type="button" className="danger" onClick={end} disabled={hangUp.isPending}>
            Hang up
          </button>
        </form>
      ) : (
        <div className="row">
          <button type="button" className="primary" onClick={begin} disabled={start.isPending}>
            {start.isPending ? "Calling…" : callId ? "Call again" : "Start test call"}
          </button>
          {ended && callId ? <Link to={`/calls?call=${callId}`}>Open the call</Link> : null}
        </div>
      )}
      <FormError message={problem ?? (start.error || hangUp.error ? messageOf(start.error ?? hangUp.error) : null)} />
    </Panel>
  );
}
