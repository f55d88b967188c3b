"""Automations (ADR 0006, 0008, 0011, 0012): the flow document and the runtime that runs it on Step Functions.

Sub-packages, each importing only the ones below it (tests/unit/test_layers.py and `lint-imports` check it):
    publishing  publishing a flow version (its machine, trigger, schedule, hook URL) and deleting a flow
    triggers/   what starts or resumes runs: the trigger consumer, schedules, inbound webhooks, callbacks
    steps/      the action worker and each action a run performs (send, tag, task, webhook, waits, AI steps)
    ai/         the OpenAI provider, flow generation from a sentence (or offline), the strict schema
    runs/       flow drafts and versions, run records, enrolment, controls, recovery, metrics, opt-outs, dry run
    flows/      the flow document: model, schema, validation, templates, predicates, compiler (imports no runtime)
The request schemas of the automations API are in `schemas/`.
"""
