"""Callback tasks (waitForTaskToken) of moto's Step Functions parked without a thread, like long Wait states.

moto runs a callback task on three threads: the execution's worker, its program, and a frame thread that sends
the message and then blocks on the task token until the answer or the task's TimeoutSeconds; the program thread
blocks on the frame. A run waiting days for a reply held all three (about 0.45 MB each run). Here a callback task
of a top-level execution (not inside Parallel or Map, without HeartbeatSeconds) runs on the program's own thread:
it sends its message and waits for the answer for at most LEADPILOT_PARK_WAITS_AFTER_S seconds; unanswered by
then, it is *parked* (infra.local.sfn_waits): the thread unwinds and the execution stays RUNNING, held by its
token. SendTaskSuccess or SendTaskFailure on the token, its timeout, or a stop of the execution continues it in a
new thread, exactly once, through the same steps moto takes after a wait (TaskSucceeded or TaskFailed/TimedOut,
Retry, Catch, ResultSelector, ResultPath, the state's output and exit). A park is journaled like a Wait's, with
its token, so an answer after a restart of the local cloud resumes the run.

moto finds a task token by asking every execution's callback pool in turn (O(executions) per answer, ~10,000
of them on a busy local cloud): tokens are indexed as they are created instead (`install`).
"""
from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from typing import Any

EXECUTION = "_leadpilot_execution"  # set on an execution's callback pool: the execution its tokens belong to
_DUE = "_leadpilot_task_due"  # set on a parkable task's frame: when its TimeoutSeconds runs out (epoch seconds)
_tokens: dict[str, Any] = {}  # task token -> the callback pool that holds it (moto never forgets a token either)
_tokens_lock = threading.Lock()


class TimedOut:
    """The outcome of a parked task whose TimeoutSeconds ran out."""


TIMED_OUT = TimedOut()


def parkable(state: Any, env: Any, may_park: bool) -> bool:
    """A callback task that may be parked: waitForTaskToken, no heartbeat, in a top-level execution."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )

    return (may_park and isinstance(state, StateTaskServiceCallback) and state.heartbeat is None
            and state.resource.condition == ResourceCondition.WaitForTaskToken)


def eval_task_state(state: Any, env: Any, answered: Any = None) -> None:
    """ExecutionState._eval_state of a parkable task on the program's thread; `answered` continues a parked one
    with the outcome that ended its wait (its retry count kept)."""
    data = env.states.context_object.context_object_data
    if answered is None:
        data["State"]["RetryCount"] = 0
    while env.is_running():
        outcome, answered = answered, None
        try:
            _attempt(state, env, outcome)
            break
        except Exception as ex:  # what moto's _eval_state does with a failed attempt
            failure_event = state._from_error(env=env, ex=ex)
            env.event_manager.add_event(context=env.event_history_context, event_type=failure_event.event_type,
                                        event_details=failure_event.event_details)
            error_output = state._construct_error_output_value(failure_event=failure_event)
            env.states.set_error_output(error_output)
            env.states.set_result(error_output)
            if state.retry and _retries(state, env, failure_event):
                continue
            if state.catch and _caught(state, env, failure_event):
                break
            state._handle_uncaught(env=env, failure_event=failure_event)


def _retries(state: Any, env: Any, failure_event: Any) -> bool:
    from moto.stepfunctions.parser.asl.component.common.retry.retry_outcome import RetryOutcome

    return bool(state._handle_retry(env=env, failure_event=failure_event) == RetryOutcome.CanRetry)


def _caught(state: Any, env: Any, failure_event: Any) -> bool:
    from moto.stepfunctions.parser.asl.component.common.catch.catch_outcome import CatchOutcome

    state._handle_catch(env=env, failure_event=failure_event)
    return bool(env.stack[-1] == CatchOutcome.Caught)


def _attempt(state: Any, env: Any, answered: Any) -> None:
    """ExecutionState._evaluate_with_timeout without its frame thread: the timeout is the task's park due time."""
    state.timeout.eval(env=env)
    timeout_seconds = env.stack.pop()
    frame = env.open_frame()
    frame.states.reset(input_value=env.states.get_input())
    frame.stack = copy.deepcopy(env.stack)
    try:
        if answered is None:
            frame.__dict__[_DUE] = time.time() + timeout_seconds
            state._eval_execution(frame)
        else:
            _answered(state, frame, answered)
    finally:
        frame.set_ended()
        env.close_frame(frame)
    output = frame.stack[-1]
    env.stack.append(output)
    if not state._is_language_query_jsonpath():
        env.states.set_result(output)
    if state.assign_decl:
        state.assign_decl.eval(env=env)
    if state.result_selector:
        state.result_selector.eval(env=env)
    if state.result_path:
        state.result_path.eval(env)
    else:
        env.states.reset(input_value=env.stack.pop())


def _answered(state: Any, frame: Any, outcome: Any) -> None:
    """The end of StateTaskServiceCallback._eval_integration_pattern and _after_eval_execution, for an answer."""
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import EvalTimeoutError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackOutcomeFailure,
        CallbackOutcomeFailureError,
    )

    if isinstance(outcome, TimedOut):
        raise EvalTimeoutError()
    if isinstance(outcome, CallbackOutcomeFailure):
        raise CallbackOutcomeFailureError(callback_outcome_failure=outcome)
    frame.stack.append(json.loads(outcome.output))
    super(StateTaskServiceCallback, state)._after_eval_execution(
        env=frame, resource_runtime_part=None, normalised_parameters=None, state_credentials=None)


def finish_task(state: Any, env: Any, outcome: Any, exit_state: Callable[[Any, Any], None]) -> None:
    """Go on with a parked task whose wait ended, as moto goes on after the wait, to the state's exit."""
    eval_task_state(state, env, outcome)
    if env.is_running():
        exit_state(state, env)
    env.states.context_object.context_object_data.pop("Task", None)


def _notify(pool: Any, token: str, outcome: Any) -> None:
    """moto's answer to a token not parked (its program thread is waiting on it, or it already moved on)."""
    from moto.stepfunctions.parser.api import InvalidToken, TaskDoesNotExist, TaskTimedOut
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackConsumerTimeout,
        CallbackNotifyConsumerError,
    )

    try:
        if pool.notify(callback_id=token, outcome=outcome):
            return
    except CallbackNotifyConsumerError as consumer_error:
        if isinstance(consumer_error.callback_consumer_error, CallbackConsumerTimeout):
            raise TaskTimedOut("Task Timed Out") from consumer_error
        raise TaskDoesNotExist("Task Does Not Exist") from consumer_error
    raise InvalidToken()


def install(waits: Any, park: Callable[..., BaseException], may_park: str) -> None:
    """Patch moto: parkable callback tasks (of environments marked `may_park`) run on the program thread and park
    when unanswered (`park` makes the exception that unwinds the thread); task tokens are indexed; answers go to
    `waits` first."""
    from moto.stepfunctions.parser.api import (
        ExecutionStatus,
        InvalidToken,
        SendTaskFailureOutput,
        SendTaskHeartbeatOutput,
        SendTaskSuccessOutput,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackOutcomeFailure,
        CallbackOutcomeSuccess,
        CallbackOutcomeTimedOut,
        CallbackPoolManager,
    )
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    eval_state, wait_for_token = ExecutionState._eval_state, StateTaskServiceCallback._eval_wait_for_task_token
    add, add_activity = CallbackPoolManager.add, CallbackPoolManager.add_activity_task

    def on_eval_state(self: Any, env: Any) -> None:
        if parkable(self, env, bool(env.__dict__.get(may_park))):
            return eval_task_state(self, env)
        return eval_state(self, env)

    def on_wait_for_token(self: Any, env: Any, timeout_seconds: int, callback_endpoint: Any,
                          heartbeat_endpoint: Any) -> Any:
        due = env.__dict__.get(_DUE)
        if due is None or heartbeat_endpoint is not None:
            return wait_for_token(self, env, timeout_seconds, callback_endpoint, heartbeat_endpoint)
        outcome = callback_endpoint.wait(timeout=max(0.0, min(waits.park_after_s, due - time.time())))
        if outcome is not None:
            return outcome
        if time.time() >= due:
            return CallbackOutcomeTimedOut(callback_id=callback_endpoint.callback_id)
        raise park(self.name, due, token=callback_endpoint.callback_id, endpoint=callback_endpoint)

    def indexed(method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Any, callback_id: str, *args: Any, **kwargs: Any) -> Any:
            endpoint = method(self, callback_id, *args, **kwargs)
            with _tokens_lock:
                _tokens[callback_id] = self
            return endpoint
        return wrapper

    def pool_of(token: str, running: bool) -> Any:
        pool = _tokens.get(token)
        execution = pool.__dict__.get(EXECUTION) if pool is not None else None
        if execution is None or (running and execution.exec_status != ExecutionStatus.RUNNING):
            raise InvalidToken()
        return pool

    def send_task_success(self: Any, task_token: str, outcome: str) -> Any:
        pool = pool_of(task_token, running=True)
        answer = CallbackOutcomeSuccess(callback_id=task_token, output=outcome)
        waits.answer(task_token, answer, lambda: _notify(pool, task_token, answer))
        return SendTaskSuccessOutput()

    def send_task_failure(self: Any, task_token: str, error: Any = None, cause: Any = None) -> Any:
        pool = pool_of(task_token, running=False)  # as moto: an ended execution's token takes a failure quietly
        answer = CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause)
        waits.answer(task_token, answer, lambda: _notify(pool, task_token, answer))
        return SendTaskFailureOutput()

    def send_task_heartbeat(self: Any, task_token: str) -> Any:
        if not pool_of(task_token, running=True).heartbeat(callback_id=task_token):
            raise InvalidToken()  # moto's answer for a task without HeartbeatSeconds (parked ones have none)
        return SendTaskHeartbeatOutput()

    ExecutionState._eval_state = on_eval_state  # type: ignore[method-assign]
    StateTaskServiceCallback._eval_wait_for_task_token = on_wait_for_token  # type: ignore[method-assign]
    CallbackPoolManager.add = indexed(add)  # type: ignore[method-assign]
    CallbackPoolManager.add_activity_task = indexed(add_activity)  # type: ignore[method-assign]
    StepFunctionsParserBackend.send_task_success = send_task_success  # type: ignore[method-assign]
    StepFunctionsParserBackend.send_task_failure = send_task_failure  # type: ignore[method-assign]
    StepFunctionsParserBackend.send_task_heartbeat = send_task_heartbeat  # type: ignore[method-assign]
