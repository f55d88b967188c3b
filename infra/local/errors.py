"""Errors of the local cloud's template handling."""


class TemplateError(ValueError):
    """The template uses something the local cloud cannot honour."""
