"""Message templates: variables with defaults, unknown names refused, empty results refused, preview."""
from __future__ import annotations

import html

import pytest

from leadpilot.errors import ValidationFailed
from leadpilot.messages.templates import preview, render, variables

CONTEXT = {"contact": {"first_name": "José", "last_name": "Núñez", "phone": "+34600123456"},
           "workspace": {"business_name": "Clínica Sol"}, "vars": {"slot": "10:30"}}


def test_variables_are_filled_from_contact_workspace_and_vars() -> None:
    # Given a template using every scope; When rendered; Then each value is substituted
    text = render("Hola {{first_name}} {{contact.last_name}}, {{business_name}} te espera a las {{vars.slot}}.",
                  CONTEXT)
    assert text == "Hola José Núñez, Clínica Sol te espera a las 10:30."


def test_missing_values_fall_back_to_the_default_or_nothing() -> None:
    # Given a contact without a first name
    context = {"contact": {"first_name": "  "}, "business_name": "Acme Dental"}
    # Then the default is used, spaces around the pipe are allowed, and an absent var with no default is empty
    assert render("Hi {{first_name|there}}!", context) == "Hi there!"
    assert render("Hi {{ first_name | there }}!", context) == "Hi there!"
    assert render("Hi{{vars.nickname}}, from {{business_name}}", context) == "Hi, from Acme Dental"
    assert render("{{contact.full_name|friend}}", {"contact": {"first_name": "Ana", "last_name": "Ruiz"}}) == "Ana Ruiz"


def test_unknown_variables_are_a_422_naming_body_and_listing_them() -> None:
    # Given typos and names outside the vocabulary
    with pytest.raises(ValidationFailed) as exc:
        render("Hi {{frist_name}}, {{contact.ssn}} {{frist_name}} {{first_name}}", CONTEXT)
    # Then one 422 on "body" listing each unknown name once
    assert exc.value.details["errors"][0]["field"] == "body"
    assert exc.value.details["unknown_variables"] == ["frist_name", "contact.ssn"]
    assert "frist_name" in exc.value.message


@pytest.mark.parametrize("template", ["Hi {{first_name", "Hi {{first_name|x}", "{{}}", "{{vars.}}", "{{ vars.a b }}"])
def test_malformed_variables_are_refused(template: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        variables(template)
    assert exc.value.details["errors"][0]["field"] == "body"


def test_variables_lists_canonical_names_once() -> None:
    assert variables("{{first_name}} {{contact.first_name}} {{business_name}} {{vars.code}}") == [
        "contact.first_name", "workspace.business_name", "vars.code"]


@pytest.mark.parametrize("template", ["", "   ", "{{first_name}}", " {{vars.x|}} "])
def test_an_empty_result_is_a_422(template: str) -> None:
    # Given a template that renders to nothing for a contact without a name
    with pytest.raises(ValidationFailed) as exc:
        render(template, {"contact": {}})
    assert exc.value.status == 422
    assert exc.value.details["errors"][0]["field"] == "body"


def test_escape_applies_to_values_and_defaults_not_to_the_template() -> None:
    text = render("<b>{{first_name|<you>}}</b> {{vars.x}}", {"vars": {"x": "<script>"}}, escape=html.escape)
    assert text == "<b>&lt;you&gt;</b> &lt;script&gt;"


def test_preview_shows_the_text_and_its_segments() -> None:
    # Given a Spanish template with an emoji; When previewed; Then UCS-2, one segment
    result = preview("¡Hola {{first_name|amigo}}! Tu cita es a las {{vars.slot}} 🦷", CONTEXT)
    assert result.text == "¡Hola José! Tu cita es a las 10:30 🦷"
    assert result.as_dict()["segments"]["encoding"] == "UCS-2"
    assert result.segments.segments == 1


def test_preview_of_an_overlong_message_reports_it_rather_than_failing() -> None:
    result = preview("{{vars.long}}", {"vars": {"long": "x" * 2000}})
    assert not result.segments.within_limit
