"""The flow document: its JSON Schema, model, validation, template variables and predicates, and its
compilation to a Step Functions state machine (ADR 0006). Pure: imports no runtime and no capability."""
