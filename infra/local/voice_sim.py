"""The voice simulator: plays Twilio's side of a call against LeadPilot — signed voice webhooks, the
ConversationRelay WebSocket protocol (setup, prompt with last, interrupt with utteranceUntilInterrupt, dtmf),
status and recording callbacks, answering-machine results. A CLI against the local cloud, and a test helper
(any `Transport`: the local cloud over HTTP and WebSocket, or the apps in-process in tests).

    python -m infra.local.voice_sim call --to +14155550100 --from +14155550123 --say "Book me in" --say "Bye"

Webhooks are signed as Twilio signs them (RequestValidator over the URL and form) with the sandbox token, so
the local cloud checks them through the same code as a real Twilio request.
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from leadpilot.messages.signatures import TWILIO_HEADER, twilio_signature
from leadpilot.sms.config import SANDBOX_ACCOUNT, sandbox_token


class Channel(Protocol):
    """One ConversationRelay WebSocket, as Twilio holds it."""

    def send(self, text: str) -> None: ...

    def receive(self, timeout: float) -> str | None: ...

    def close(self) -> None: ...


class Transport(Protocol):
    def post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]: ...

    def open_relay(self, url: str) -> Channel: ...


@dataclass
class Relay:
    """A relay session: send what the caller does, read what the agent says."""

    channel: Channel
    timeout: float = 10.0
    ended: dict[str, Any] | None = None  # the `end` message's handoff data, once the agent ended the session
    first_token_s: float | None = None  # of the last prompt: from sending it to the first text token

    def _send(self, message: dict[str, Any]) -> None:
        self.channel.send(json.dumps(message))

    def setup(self, sid: str, from_: str, to: str) -> None:
        self._send({"type": "setup", "sessionId": "VX" + secrets.token_hex(16), "callSid": sid, "from": from_,
                    "to": to, "direction": "inbound", "customParameters": {}})

    def prompt(self, text: str) -> str:
        """The caller says `text` (a final prompt); returns the agent's answer as the tokens arrived."""
        started = time.perf_counter()
        self.first_token_s = None
        self._send({"type": "prompt", "voicePrompt": text, "lang": "en-US", "last": True})
        return self._answer(started)

    def dtmf(self, digit: str) -> str:
        started = time.perf_counter()
        self._send({"type": "dtmf", "digit": digit})
        return self._answer(started)

    def interrupt(self, heard: str) -> None:
        """The caller spoke over the agent after hearing `heard`."""
        self._send({"type": "interrupt", "utteranceUntilInterrupt": heard, "durationUntilInterruptMs": 1200})

    def _answer(self, started: float) -> str:
        tokens: list[str] = []
        for message in self._messages():
            if message.get("type") == "text":
                if message.get("token") and self.first_token_s is None:
                    self.first_token_s = time.perf_counter() - started
                tokens.append(str(message.get("token") or ""))
                if message.get("last"):
                    break
        for message in self._messages(quick=True):
            if message.get("type") == "end":
                self.ended = json.loads(message.get("handoffData") or "{}")
        return "".join(tokens).strip()

    def _messages(self, quick: bool = False) -> Iterator[dict[str, Any]]:
        while True:
            raw = self.channel.receive(0.2 if quick else self.timeout)
            if raw is None:
                if quick:
                    return
                raise TimeoutError("the agent did not answer")
            yield json.loads(raw)

    def close(self) -> None:
        self.channel.close()


@dataclass
class Call:
    """A simulated call: its CallSid, the TwiML LeadPilot answered, and its relay session once connected."""

    sid: str
    from_: str
    to: str
    twiml: str
    relay: Relay | None = None
    events: list[str] = field(default_factory=list)


def relay_url(twiml: str) -> str | None:
    found = re.search(r'<ConversationRelay url="([^"]+)"', twiml)
    return unescape(found.group(1)) if found else None


def action_url(twiml: str, verb: str) -> str | None:
    found = re.search(rf'<{verb}[^>]* action="([^"]+)"', twiml)
    return unescape(found.group(1)) if found else None


class VoiceSimulator:
    """Twilio's side of calls, signed with `auth_token` for the API at `base_url`."""

    def __init__(self, transport: Transport, base_url: str, auth_token: str, account_sid: str = SANDBOX_ACCOUNT,
                 timeout: float = 10.0) -> None:
        self.transport, self.base_url, self.auth_token = transport, base_url.rstrip("/"), auth_token
        self.account_sid, self.timeout = account_sid, timeout

    def post(self, url: str, form: dict[str, str], signature: str | None = "sign") -> tuple[int, str]:
        """POST a Twilio form to `url` (absolute, or a path of the API), signed (or with the given signature)."""
        url = url if url.startswith("http") else self.base_url + url
        form = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", **form}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            signature = twilio_signature(self.auth_token, url, form)
        if signature is not None:
            headers[TWILIO_HEADER] = signature
        return self.transport.post(url, form, headers)

    def inbound(self, from_: str, to: str, sid: str | None = None) -> Call:
        """A call to one of the workspace's numbers; connected to the relay when the answer says so."""
        sid = sid or "CA" + secrets.token_hex(16)
        status, twiml = self.post("/webhooks/twilio/voice", {"CallSid": sid, "From": from_, "To": to,
                                                              "CallStatus": "ringing", "Direction": "inbound"})
        if status != 200:
            raise RuntimeError(f"the voice webhook answered {status}: {twiml[:300]}")
        return self._connected(Call(sid, from_, to, twiml))

    def hook(self, path: str, workspace_id: str, call_id: str) -> str:
        """A webhook URL LeadPilot gave Twilio for one of its outbound calls (answer, status, recording)."""
        return f"{self.base_url}/webhooks/twilio/voice/{path}?" + urlencode({"ws": workspace_id, "call_id": call_id})

    def answer(self, call: dict[str, Any], workspace_id: str, answered_by: str | None = None) -> Call:
        """An outbound call of ours picked up; connected to the agent at once. With asynchronous machine detection
        (how LeadPilot places calls) the answer says nothing of who answered: `amd` posts that later. With
        `answered_by`, the answer carries the verdict, as synchronous detection does."""
        sid = str(call["provider_sid"])
        url = self.hook("answer", workspace_id, call["id"])
        form = {"CallSid": sid, "From": call["from"], "To": call["to"], "CallStatus": "in-progress",
                "Direction": "outbound-api", **({"AnsweredBy": answered_by} if answered_by else {})}
        status, twiml = self.post(url, form)
        if status != 200:
            raise RuntimeError(f"the answer webhook answered {status}: {twiml[:300]}")
        return self._connected(Call(sid, call["from"], call["to"], twiml))

    def amd(self, call: dict[str, Any], workspace_id: str, answered_by: str) -> int:
        """The asynchronous answering-machine verdict (human, machine_end_beep, fax…) on an outbound call."""
        form = {"CallSid": str(call["provider_sid"]), "AnsweredBy": answered_by, "MachineDetectionDuration": "4200"}
        return self.post(self.hook("amd", workspace_id, call["id"]), form)[0]

    def _connected(self, call: Call) -> Call:
        url = relay_url(call.twiml)
        if url is not None:
            call.relay = Relay(self.transport.open_relay(url), self.timeout)
            call.relay.setup(call.sid, call.from_, call.to)
        return call

    def relay_ended(self, call: Call) -> str:
        """The relay session ended: Twilio asks the <Connect> action what comes next (a <Dial> on a handoff)."""
        url = action_url(call.twiml, "Connect")
        assert url is not None and call.relay is not None
        call.relay.close()
        handoff = json.dumps(call.relay.ended) if call.relay.ended else ""
        return self.post(url, {"CallSid": call.sid, "HandoffData": handoff, "CallStatus": "in-progress"})[1]

    def gather(self, twiml: str, speech: str) -> str:
        """One turn of the <Gather> loop: the caller's speech to the action URL; the next TwiML."""
        url = action_url(twiml, "Gather")
        assert url is not None, twiml
        sid = re.search(r"call_id=([0-9A-Z]+)", url)
        return self.post(url, {"CallSid": "CA" + (sid.group(1) if sid else "x"), "SpeechResult": speech,
                               "Confidence": "0.9"})[1]

    def status(self, sid: str, status: str, duration: int | None = None, url: str | None = None) -> int:
        """A status callback (to the call's own status URL when given, else the number's)."""
        form = {"CallSid": sid, "CallStatus": status}
        if duration is not None:
            form["CallDuration"] = str(duration)
        return self.post(url or "/webhooks/twilio/voice/status", form)[0]

    def recording(self, url: str, sid: str, recording_url: str) -> int:
        form = {"CallSid": sid, "RecordingSid": "RE" + secrets.token_hex(16), "RecordingUrl": recording_url,
                "RecordingStatus": "completed", "RecordingDuration": "42"}
        return self.post(url, form)[0]


# ---------------------------------------------------------------- the local cloud over HTTP and WebSocket
class HttpChannel:
    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self.socket = connect(url, open_timeout=30)

    def send(self, text: str) -> None:
        self.socket.send(text)

    def receive(self, timeout: float) -> str | None:
        try:
            message = self.socket.recv(timeout=timeout)
        except TimeoutError:
            return None
        return message if isinstance(message, str) else message.decode()

    def close(self) -> None:
        self.socket.close()


class HttpTransport:
    def post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def open_relay(self, url: str) -> Channel:
        return HttpChannel(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.voice_sim", description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", dest="url", default="http://127.0.0.1:3000", help="the local cloud's gateway")
    parser.add_argument("--data-dir", default=".leadpilot", help="where the local cloud keeps its secrets")
    sub = parser.add_subparsers(dest="command", required=True)
    call = sub.add_parser("call", help="an inbound call: say each --say line to the agent, then hang up")
    call.add_argument("--from", dest="from_", required=True)
    call.add_argument("--to", required=True)
    call.add_argument("--say", action="append", default=[])
    args = parser.parse_args(argv)
    secrets_file = Path(args.data_dir) / "secrets.json"
    if not secrets_file.exists():
        raise SystemExit(f"no {secrets_file}: start the local cloud first (make dev), or pass --data-dir")
    token = sandbox_token(json.loads(secrets_file.read_text())["JwtSecret"])
    sim = VoiceSimulator(HttpTransport(), args.url, token)
    placed = sim.inbound(args.from_, args.to)
    print(f"call {placed.sid}: {placed.twiml}")
    if placed.relay is None:
        return 0
    started = time.time()
    for line in args.say:
        print(f"caller> {line}")
        print(f"agent > {placed.relay.prompt(line)}")
        if placed.relay.ended:
            print(f"(the agent ended the session: {placed.relay.ended})")
            print(sim.relay_ended(placed))
            break
    else:
        placed.relay.close()
    sim.status(placed.sid, "completed", duration=max(1, int(time.time() - started)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
