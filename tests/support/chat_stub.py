"""A deterministic OpenAI chat-completions stub (streaming, tool calls, structured output) on 127.0.0.1, so the
real `openai` client runs against it in tests, the voice simulator and the voice benchmark.

Streaming replies follow the conversation: "book" asks for availability, then books the first slot offered and
confirms; "person"/"human" transfers; "bye" says goodbye and ends the call; "long" answers at length (to be
interrupted); anything else is echoed. A structured request (response_format) gets a call analysis.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LONG_ANSWER = ("We offer boiler servicing, repairs and new installations. A service visit takes about an hour. "
               "Repairs depend on the parts needed. Installations are quoted after a free survey.")


def _tool_name(messages: list[dict[str, Any]], call_id: str) -> str:
    for message in reversed(messages):
        for call in message.get("tool_calls") or []:
            if call.get("id") == call_id:
                return str(call["function"]["name"])
    return ""


def plan(messages: list[dict[str, Any]]) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    """(text, tool calls) the stub answers to a conversation."""
    last = messages[-1]
    if last.get("role") == "tool":
        name, result = _tool_name(messages, str(last.get("tool_call_id"))), json.loads(last.get("content") or "{}")
        if name == "check_availability":
            found = result.get("slots") or []
            return ("", [("book_appointment", {"start": found[0]})]) if found else ("Sorry, nothing is free.", [])
        if name == "book_appointment":
            return (f"You're booked for {result['start']}. Anything else?", []) if "start" in result else \
                (f"Sorry, I couldn't book that: {result.get('error')}.", [])
        return ("", []) if name in ("transfer_to_human", "end_call") else ("Done.", [])
    said = str(last.get("content") or "").lower()
    if "book" in said:
        return "Let me check.", [("check_availability", {})]
    if "person" in said or "human" in said:
        return "Let me put you through.", [("transfer_to_human", {"reason": "the caller asked for a person"})]
    if "bye" in said:
        return "Thanks for calling, goodbye!", [("end_call", {"reason": "goodbye"})]
    if "long" in said:
        return LONG_ANSWER, []
    if "everything" in said:
        return " ".join([LONG_ANSWER] * 4), []
    return f"You said: {last.get('content')}. How else can I help?", []


def analysis(request: dict[str, Any]) -> dict[str, Any]:
    schema = request["response_format"]["json_schema"]["schema"]
    labels = schema["properties"]["outcome"]["enum"]
    text = json.dumps(request["messages"])
    outcome = "booked" if "book_appointment" in text and "booked" in labels else labels[0]
    named = re.search(r"my name is ([A-Z][a-z]+)", text)
    return {"summary": "The caller talked to the assistant.", "sentiment": {"label": "positive", "score": 0.5},
            "outcome": outcome, "fields": {"first_name": named.group(1) if named else None, "last_name": None,
                                           "email": None, "company": None}}


class ChatStub:
    """Serves POST /v1/chat/completions; `first_token_s` delays the first streamed piece (a model's think time)."""

    def __init__(self, first_token_s: float = 0.0) -> None:
        self.first_token_s = first_token_s
        self.fail_structured = 0  # answer this many structured (analysis) requests with a 500 first
        self.piece_s = 0.0  # a pause between streamed pieces (a slow talker)
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(request)
                if request.get("response_format"):
                    if stub.fail_structured > 0:
                        stub.fail_structured -= 1
                        return self._json({"error": {"message": "overloaded", "type": "server_error"}}, 500)
                    return self._json(stub._completion(json.dumps(analysis(request))))
                text, tools = plan(request["messages"])
                if not request.get("stream"):
                    return self._json(stub._completion(text))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                try:
                    for chunk in stub._chunks(text, tools):
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped reading (the caller interrupted the answer)

            def _json(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL for the openai client (OPENAI_BASE_URL)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @staticmethod
    def _base(choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 1795000000,
                "model": "gpt-4o-mini", "choices": choices}

    def _completion(self, text: str) -> dict[str, Any]:
        return {"id": "chatcmpl-stub", "object": "chat.completion", "created": 1795000000, "model": "gpt-4o-mini",
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": text, "refusal": None}}],
                "usage": {"prompt_tokens": 40, "completion_tokens": 20, "total_tokens": 60}}

    def _chunks(self, text: str, tools: list[tuple[str, dict[str, Any]]]) -> Any:
        yield self._base([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        time.sleep(self.first_token_s)
        for index, word in enumerate(text.split(" ") if text else []):
            if index:
                time.sleep(self.piece_s)
            yield self._base([{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}])
        for index, (name, arguments) in enumerate(tools):
            raw = json.dumps(arguments)
            call_id = f"call_{len(self.requests)}_{index}"
            yield self._base([{"index": 0, "finish_reason": None, "delta": {"tool_calls": [
                {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]}}])
            for piece in (raw[:len(raw) // 2], raw[len(raw) // 2:]):
                yield self._base([{"index": 0, "finish_reason": None, "delta": {"tool_calls": [
                    {"index": index, "function": {"arguments": piece}}]}}])
        yield self._base([{"index": 0, "delta": {}, "finish_reason": "tool_calls" if tools else "stop"}])
        yield {**self._base([]), "usage": {"prompt_tokens": 90, "completion_tokens": 30, "total_tokens": 120}}

    def __enter__(self) -> ChatStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
