"""Long Wait states of moto's Step Functions without a thread each, and kept across a restart of the local cloud.

moto runs every execution on two threads (the worker and the program it starts and joins), and a Wait state
holds both for its whole length: 10,000 runs in a three-day delay were 20,000 threads. On AWS a Wait costs
nothing, so here an execution that enters a Wait of at least LEADPILOT_PARK_WAITS_AFTER_S seconds (as it runs:
the flows compile delays already time-scaled; default 60) is *parked*: its program thread unwinds, leaving the
execution RUNNING with its environment (input, history, context) in memory, and one timer thread continues it
in a new thread at the due time. To the flows nothing changes: the same execution goes on from the same Wait,
exactly once; DescribeExecution, ListExecutions, GetExecutionHistory and StopExecution behave as before (a stop
ends a parked execution at once, ABORTED, so pause and cancel work); a task token answer finds it as before.

Each park is journaled under LEADPILOT_MOTO_STATE (`sfn-waits.jsonl`, flushed per record like the SQS journal),
with its machine's definition, before the thread lets go; each continuation or stop is journaled before it
runs. At the next start of moto, before it serves a request, every execution parked and not continued comes
back: its state machine is created again under the same ARN and the execution is RUNNING again in its Wait with
its original start, wait entry and due time (its history holds those two events). The run reconciler then finds
it running and leaves it alone. A continuation journaled just before a crash, whose execution had not reached
its next task, is lost like any running execution, and the reconciler restarts that run at its last node.

Not parked: waits inside Parallel or Map branches and in machines with a TimeoutSeconds (the flows use neither).
A parked execution goes on with a program built from its definition's kept parse tree (`program_of`;
moto_main.patch_parse_trees keeps them).
"""
from __future__ import annotations

import copy
import datetime
import gc
import heapq
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from infra.local import sfn_callbacks

log = logging.getLogger("infra.local.sfn_waits")
PARK_ENV = "LEADPILOT_PARK_WAITS_AFTER_S"
PROVISIONED_MARKER = "provisioned"  # written by the local cloud into the state folder once it has provisioned
DEFAULT_PARK_AFTER_S = 60.0
_MAY_PARK = "_leadpilot_may_park"  # set on a top-level execution environment (not a Parallel/Map frame)
_RESUMING = "_leadpilot_resuming"  # the parked entry (Wait or task) a continued environment finishes first
_WORKER = "_leadpilot_worker"
_COMPACT_AFTER = 20_000


class _Park(BaseException):
    """Unwinds a program thread out of a long Wait. Not an Exception: the interpreter's `except Exception`
    handlers would take it for a failure of the execution."""

    def __init__(self, state: str, due: float, token: str | None = None, endpoint: Any = None) -> None:
        super().__init__(state)
        self.state, self.due, self.token, self.endpoint = state, due, token, endpoint


@dataclass
class Parked:
    worker: Any  # moto's ExecutionWorker (its env, its execution through its communication object)
    state: str
    due: float
    restored: bool = False  # brought back from the journal at start: waits for the cloud to provision
    token: str | None = None  # a callback task waiting for this task token (None: a Wait state)
    endpoint: Any = None  # that token's moto callback endpoint (an answer may land on it as the thread lets go)
    outcome: Any = None  # what ended a parked task's wait: its answer, or sfn_callbacks.TIMED_OUT

    @property
    def arn(self) -> str:
        return str(self.worker._execution_communication.execution.exec_arn)


def program_of(definition: str) -> Any:
    """A fresh program for an ASL definition (from its kept parse tree once it has been parsed)."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    return AmazonStateLanguageParser.parse(definition)[0]


# -- the journal -----------------------------------------------------------------------------------------------
def _apply(live: dict[str, dict[str, Any]], machines: dict[str, dict[str, Any]], record: dict[str, Any]) -> None:
    op = record.get("op")
    if op == "machine":
        machines[record["arn"]] = record
    elif op == "park":
        live[record["arn"]] = record
    elif op == "woke":
        live.pop(record["arn"], None)


class Journal:
    """Parked executions (and their machines) on disk: appended as they park and wake, rewritten at each start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.live: dict[str, dict[str, Any]] = {}
        self.machines: dict[str, dict[str, Any]] = {}
        if path.exists():
            with open(path, encoding="utf-8") as lines:
                for number, line in enumerate(lines, 1):
                    try:
                        _apply(self.live, self.machines, json.loads(line))
                    except ValueError:  # torn by a crash mid-write: that park never let its thread go
                        log.warning("%s:%d: unreadable record skipped", path, number)
        self._written_machines: set[str] = set()
        self._file: IO[str] | None = None
        self._written = 0
        self._rewrite()

    def _rewrite(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        used = {record["machine"] for record in self.live.values()}
        self.machines = {arn: m for arn, m in self.machines.items() if arn in used}
        with open(temporary, "w", encoding="utf-8") as out:
            for record in [*self.machines.values(), *self.live.values()]:
                out.write(json.dumps(record) + "\n")
        os.replace(temporary, self.path)
        if self._file is not None:
            self._file.close()
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        self._written_machines = set(self.machines)
        self._written = len(self.live) + len(self.machines)

    def _write(self, record: dict[str, Any]) -> None:
        assert self._file is not None
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        _apply(self.live, self.machines, record)
        self._written += 1

    def parked(self, record: dict[str, Any], machine: dict[str, Any]) -> None:
        """Journal a park (its machine first, once per journal file)."""
        with self.lock:
            if machine["arn"] not in self._written_machines:
                self._write(machine)
                self._written_machines.add(machine["arn"])
            self._write(record)

    def woke(self, arn: str) -> None:
        with self.lock:
            self._write({"op": "woke", "arn": arn})
            if self._written > _COMPACT_AFTER and self._written > 4 * (len(self.live) + 1):
                self._rewrite()


# -- holding and continuing ------------------------------------------------------------------------------------
class Waits:
    """The parked executions of this moto process and the one timer thread that continues them when due."""

    def __init__(self, park_after_s: float, journal: Journal | None) -> None:
        self.park_after_s = park_after_s
        self.journal = journal
        self._parked: dict[str, Parked] = {}
        self._by_token: dict[str, Parked] = {}
        self._due: list[tuple[float, int, Parked]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition(threading.Lock())
        threading.Thread(target=self._timer, name="sfn-waits", daemon=True).start()

    def __len__(self) -> int:
        return len(self._parked)

    def hold(self, entry: Parked, *, journal: bool = True) -> None:
        """Keep an execution whose program thread left it in a Wait or callback task until it is due (or its
        task is answered); without `journal` it is one restored from the journal."""
        if journal and self.journal is not None:
            self.journal.parked(*_records(entry))
        with self._cond:
            self._parked[entry.arn] = entry
            if entry.token is not None:
                self._by_token[entry.token] = entry
            heapq.heappush(self._due, (entry.due, next(self._seq), entry))
            self._cond.notify()
            # answered while the thread was letting go (answers take this lock): go on with that answer now
            early = entry.endpoint.get_outcome() if entry.endpoint is not None else None
        if early is not None:
            self.wake(entry.arn, entry, early)
        elif not entry.worker.env.is_running():  # stopped while its thread was letting go: end it now
            self.wake(entry.arn, entry)

    def answer(self, token: str, outcome: Any, otherwise: Callable[[], None]) -> None:
        """A task token's answer: continues the task parked on it, else `otherwise` (moto's own delivery, to a
        thread still waiting or to a task already over) under the same lock, so no answer falls between."""
        with self._cond:
            entry = self._by_token.get(token)
            if entry is None or not self._take(entry.arn, entry, outcome):
                otherwise()
                return
        self._go(entry)

    def _await_provisioning(self) -> None:
        """Hold a restored execution until the local cloud has provisioned again: due during the restart, its next
        state would send to a queue that does not exist yet and fail the run."""
        marker = self.journal.path.parent / PROVISIONED_MARKER if self.journal is not None else None
        while marker is not None and not marker.exists():
            time.sleep(0.2)

    def _take(self, arn: str, entry: Parked | None, outcome: Any) -> Parked | None:
        """Out of the parked set, with the outcome that ends its wait (under the lock): the first caller wins."""
        found = self._parked.get(arn)
        if found is None or (entry is not None and found is not entry):
            return None
        del self._parked[arn]
        if found.token is not None:
            self._by_token.pop(found.token, None)
            found.outcome = outcome
        return found

    def wake(self, arn: str, entry: Parked | None = None, outcome: Any = None) -> bool:
        """Continue a parked execution (exactly once: the first caller takes it); a stopped one ends here."""
        with self._cond:
            found = self._take(arn, entry, outcome)
        if found is None:
            return False
        self._go(found)
        return True

    def _go(self, found: Parked) -> None:
        if self.journal is not None:
            self.journal.woke(found.arn)
        if found.worker.env.is_running():
            threading.Thread(target=_continue, args=(found,), daemon=True).start()
        else:
            _continue(found)  # stopped while parked: its ABORTED end is recorded before StopExecution returns

    def _timer(self) -> None:
        while True:
            with self._cond:
                while not self._due or self._due[0][0] > time.time():
                    self._cond.wait(timeout=None if not self._due else max(0.0, self._due[0][0] - time.time()))
                _, _, entry = heapq.heappop(self._due)
            if entry.restored:
                self._await_provisioning()
            try:
                self.wake(entry.arn, entry, sfn_callbacks.TIMED_OUT)
            except Exception:  # one broken continuation must not stop the others
                log.exception("could not continue %s", entry.arn)


def _records(entry: Parked) -> tuple[dict[str, Any], dict[str, Any]]:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    execution, env = entry.worker._execution_communication.execution, entry.worker.env
    machine = execution.state_machine
    history = env.event_manager.get_event_history()
    entered = next((e["timestamp"] for e in reversed(history) if e.get("stateEnteredEventDetails")), None)
    record = {"op": "park", "arn": execution.exec_arn, "machine": machine.arn, "name": execution.name,
              "account": execution.account_id, "region": execution.region_name,
              "start": execution.start_date.isoformat(), "input": to_json_str(execution.input_data),
              "state": entry.state, "due": entry.due,
              "entered": entered.isoformat() if isinstance(entered, datetime.datetime) else entered,
              "states_input": to_json_str(env.states.get_input(), separators=(",", ":")),  # as in the history
              "stack": to_json_str(env.stack[-1] if env.stack else env.states.get_input())}
    if entry.token is not None:  # a callback task: its token, and what its answer is evaluated against
        entered_input = next((e["stateEnteredEventDetails"].get("input") for e in reversed(history)
                              if e.get("stateEnteredEventDetails")), record["states_input"])
        record.update(kind="task", token=entry.token, stack=to_json_str(env.stack), entered_input=entered_input,
                      context_state=to_json_str(env.states.context_object.context_object_data.get("State")))
    definition = {"op": "machine", "arn": machine.arn, "name": machine.name, "definition": machine.definition,
                  "role": machine.roleArn, "account": execution.account_id, "region": execution.region_name}
    return record, definition


def _continue(entry: Parked) -> None:
    """Finish the Wait, run the program on from it, and report the end (unless it parked again)."""
    worker = entry.worker
    program = program_of(worker._evaluation_details.state_machine_details.definition)
    worker.env.__dict__[_RESUMING] = entry
    program._eval_body(worker.env)
    worker._execution_communication.terminated()


def _finish_wait(state: Any, env: Any) -> None:
    """What moto does after a Wait's wait (StateWait._eval_state, then CommonStateField._eval_body's tail)."""
    if state.assign_decl:
        state.assign_decl.eval(env=env)
    _exit_state(state, env)


def _exit_state(state: Any, env: Any) -> None:
    """CommonStateField._eval_body's tail: the state's output, its next state and its exit event."""
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails as Details

    EventDetails: Any = Details  # a TypedDict of every kind of detail; one kind given here
    state._eval_state_output(env=env)
    state._verify_size_quota(env=env, value=env.states.get_input())
    state._set_next(env)
    if state.state_exited_event_type is not None:
        env.event_manager.add_event(
            context=env.event_history_context, event_type=state.state_exited_event_type,
            event_details=EventDetails(stateExitedEventDetails=state._get_state_exited_event_details(env=env)))


def install(park_after_s: float, journal_path: Path | None) -> Waits:
    """Patch moto's Step Functions to park long waits (and keep them in `journal_path`, when given)."""
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
    from moto.stepfunctions.parser.asl.component.program.program import Program
    from moto.stepfunctions.parser.asl.component.state.wait.state_wait import StateWait
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    waits = Waits(park_after_s, Journal(journal_path) if journal_path is not None else None)
    program_eval, program_body, wait_state = Program.eval, Program._eval_body, StateWait._eval_state
    terminated, stop, environment = (BaseExecutionWorkerCommunication.terminated, Execution.stop,
                                     ExecutionWorker._get_evaluation_environment)

    def get_environment(self: Any) -> Any:
        env = environment(self)
        env.__dict__[_WORKER] = self
        env.callback_pool_manager.__dict__[sfn_callbacks.EXECUTION] = self._execution_communication.execution
        return env

    def eval_program(self: Any, env: Any) -> None:
        if not env.is_frame() and self.timeout_seconds is None and _WORKER in env.__dict__:
            env.__dict__[_MAY_PARK] = True
        program_eval(self, env)

    def eval_wait(self: Any, env: Any) -> None:
        if not env.__dict__.get(_MAY_PARK):
            return wait_state(self, env)
        seconds = self.wait_function._get_wait_seconds(env=env)
        if seconds >= waits.park_after_s:
            raise _Park(self.name, time.time() + seconds)
        self.wait_function._wait_interval(env=env, wait_seconds=seconds)
        if self.assign_decl:
            self.assign_decl.eval(env=env)
        return None

    def eval_body(self: Any, env: Any) -> None:
        resuming: Parked | None = env.__dict__.pop(_RESUMING, None)
        try:
            if resuming is not None and env.is_running():
                _finish(self._get_state(resuming.state), env, resuming)
            program_body(self, env)
        except _Park as park:  # the thread lets go; the execution stays RUNNING, held by `waits`
            waits.hold(Parked(env.__dict__[_WORKER], park.state, park.due, token=park.token,
                              endpoint=park.endpoint))

    def _finish(state: Any, env: Any, resuming: Parked) -> None:
        """The rest of the state a parked execution waited in; a failure ends the run as in moto's program."""
        try:
            if resuming.token is None:
                _finish_wait(state, env)
            else:
                sfn_callbacks.finish_task(state, env, resuming.outcome, _exit_state)
        except FailureEventException as failure:
            env.set_error(error=failure.get_execution_failed_event_details())
        except Exception as exc:  # as Program._eval_body: an unexpected error is the run's States.Runtime
            log.exception("parked execution %s failed to go on", resuming.arn)
            env.set_error(error={"error": "States.Runtime", "cause": f"{type(exc).__name__}({exc})"})

    def on_terminated(self: Any) -> None:
        if self.execution.exec_worker.env.is_running():
            return  # the program thread parked the execution: it has not ended
        terminated(self)

    def on_stop(self: Any, stop_date: Any, error: Any, cause: Any) -> None:
        stop(self, stop_date, error, cause)
        waits.wake(self.exec_arn)

    ExecutionWorker._get_evaluation_environment = get_environment  # type: ignore[method-assign]
    Program.eval = eval_program  # type: ignore[method-assign]
    Program._eval_body = eval_body  # type: ignore[method-assign]
    StateWait._eval_state = eval_wait  # type: ignore[method-assign]
    BaseExecutionWorkerCommunication.terminated = on_terminated  # type: ignore[method-assign]
    Execution.stop = on_stop  # type: ignore[method-assign]
    sfn_callbacks.install(waits, _Park, _MAY_PARK)
    if waits.journal is not None:
        clones: dict[str, tuple[Any, set[str]]] = {}
        gc.disable()  # restoring builds many objects that all live on: collections midway would only rescan them
        try:
            restored = sum(_restore(waits, record, clones) for record in list(waits.journal.live.values()))
        finally:
            gc.enable()
        if restored:
            log.warning("restored %d parked execution(s) from %s", restored, journal_path)
    return waits


def _machine(record: dict[str, Any], journal: Journal) -> Any:
    """The parked execution's state machine, created again under its ARN if this moto has not got it."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends[record["account"]][record["region"]]
    found = next((m for m in backend.state_machines if m.arn == record["machine"]), None)
    if found is None:
        spec = journal.machines[record["machine"]]
        found = backend.create_state_machine(name=spec["name"], definition=spec["definition"], roleArn=spec["role"])
    return found


def _when(stamp: str | None) -> datetime.datetime | None:
    """A history timestamp (moto writes `2025-01-02T03:04:05.678Z`) as an aware datetime."""
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _restore(waits: Waits, record: dict[str, Any], clones: dict[str, tuple[Any, set[str]]]) -> int:
    """One journaled park back in moto, RUNNING in its Wait or callback task with its original times (and its
    task token); 1 when restored. `clones` keeps, per machine, the snapshot its restored executions share and
    the ARNs it already has."""
    from moto.stepfunctions.parser.api import ExecutionStatus, HistoryEventType
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails as Details
    from moto.stepfunctions.parser.backend.execution import Execution

    EventDetails: Any = Details
    assert waits.journal is not None
    try:
        machine = _machine(record, waits.journal)
    except Exception:
        log.exception("parked execution %s not restored: its machine could not be created", record["arn"])
        return 0
    if machine.arn not in clones:
        memo = {id(machine.executions): [], id(machine.backend): machine.backend}
        clones[machine.arn] = (copy.deepcopy(machine, memo), {e.exec_arn for e in machine.executions})
    clone, present = clones[machine.arn]
    if record["arn"] in present:
        return 0
    present.add(record["arn"])
    task = record.get("kind") == "task"
    started = datetime.datetime.fromisoformat(record["start"])
    execution = Execution(name=record["name"], sm_type=clone.sm_type, role_arn=clone.roleArn, exec_arn=record["arn"],
                          account_id=record["account"], region_name=record["region"], state_machine=clone,
                          start_date=started, cloud_watch_logging_session=None, input_data=record["input"],
                          trace_header=None, activity_store={})
    worker = execution._get_start_execution_worker()
    execution.exec_worker, execution.exec_status = worker, ExecutionStatus.RUNNING
    env = worker.env = worker._get_evaluation_environment()
    env.event_manager.add_event(
        context=env.event_history_context, event_type=HistoryEventType.ExecutionStarted, timestamp=started,
        event_details=EventDetails(executionStartedEventDetails={
            "input": record["input"], "inputDetails": {"truncated": False}, "roleArn": clone.roleArn}),
        update_source_event_id=False)
    entered = _when(record.get("entered")) or started
    env.event_manager.add_event(
        context=env.event_history_context, timestamp=entered,
        event_type=HistoryEventType.TaskStateEntered if task else HistoryEventType.WaitStateEntered,
        event_details=EventDetails(stateEnteredEventDetails={
            "name": record["state"], "input": record.get("entered_input", record["states_input"]),
            "inputDetails": {"truncated": False}}))
    env.states.reset(input_value=json.loads(record["states_input"]))
    context: Any = env.states.context_object.context_object_data
    context["State"] = {"EnteredTime": entered.isoformat(), "Name": record["state"]}
    entry = Parked(worker, record["state"], float(record["due"]), restored=True)
    if task:  # the same token answers it: SendTaskSuccess after the restart resumes the run
        context["State"] = json.loads(record["context_state"])
        context["Task"] = {"Token": record["token"]}
        entry.token, entry.endpoint = record["token"], env.callback_pool_manager.add(record["token"])
        env.stack.extend(json.loads(record["stack"]))
    else:
        env.stack.append(json.loads(record["stack"]))
    env.next_state_name = record["state"]
    env.__dict__[_MAY_PARK] = True
    machine.executions.append(execution)
    waits.hold(entry, journal=False)
    return 1


def install_from_env() -> Waits | None:
    """Park long waits as LEADPILOT_PARK_WAITS_AFTER_S says (0 or less: never), journaled under
    LEADPILOT_MOTO_STATE when the local cloud names that folder."""
    try:
        park_after = float(os.environ.get(PARK_ENV) or DEFAULT_PARK_AFTER_S)
    except ValueError:
        park_after = DEFAULT_PARK_AFTER_S
    if park_after <= 0:
        return None
    folder = os.environ.get("LEADPILOT_MOTO_STATE")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return install(park_after, Path(folder) / "sfn-waits.jsonl" if folder else None)
