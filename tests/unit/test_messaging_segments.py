"""SMS encoding and segment counting: GSM-7 with its extension table, UCS-2 for everything else."""
from __future__ import annotations

import pytest

from leadpilot.errors import ValidationFailed
from leadpilot.messages.segments import check_sms_body, segment_info


def test_plain_english_is_gsm7_in_one_segment() -> None:
    # Given an ordinary reminder; When counted; Then GSM-7, one segment of 160
    info = segment_info("Hi Ana, your cleaning is tomorrow at 9:30. Reply C to confirm.")
    assert (info.encoding, info.segments, info.per_segment, info.non_gsm_characters) == ("GSM-7", 1, 160, ())


@pytest.mark.parametrize(("length", "segments"), [(160, 1), (161, 2), (306, 2), (307, 3), (1530, 10)])
def test_gsm7_boundaries_are_160_then_153_per_segment(length: int, segments: int) -> None:
    # Given a GSM-7 body of exactly `length` characters; Then its segment count
    info = segment_info("a" * length)
    assert info.segments == segments
    assert info.per_segment == (160 if length <= 160 else 153)


def test_extension_table_characters_take_two_septets_but_stay_gsm7() -> None:
    # Given 80 euro signs (each an escape + char); When counted; Then 160 septets, still one GSM-7 segment
    info = segment_info("€" * 80)
    assert (info.encoding, info.characters, info.units, info.segments) == ("GSM-7", 80, 160, 1)
    # And one more character spills into a second segment
    assert segment_info("€" * 80 + "!").segments == 2
    assert segment_info("Price: {10} [ok] ^ ~ | \\").encoding == "GSM-7"


def test_an_escape_pair_is_never_split_across_segments() -> None:
    # Given 152 'a' then a '€' then more text: the pair would straddle the 153-septet boundary
    info = segment_info("a" * 152 + "€" + "b" * 10)
    # Then the euro moves to segment 2 whole: 152 | 2 + 10
    assert (info.units, info.segments) == (164, 2)
    assert segment_info("a" * 151 + "€" + "b" * 153).segments == 2  # 153 | 153 exactly


def test_spanish_accents_outside_gsm_force_ucs2() -> None:
    # Given Spanish with á and ó (not in GSM-7, unlike é, ñ, ¿ and ¡)
    info = segment_info("¡Hola! ¿Cómo estás? Mañana a las 10.")
    # Then UCS-2, and the characters that caused it are named in order of appearance
    assert info.encoding == "UCS-2"
    assert info.non_gsm_characters == ("ó", "á")
    assert segment_info("¡Olé! ¿Niño? Ñandú").non_gsm_characters == ("ú",)
    assert segment_info("¡Olé! ¿Niño?").encoding == "GSM-7"


def test_greek_capitals_in_gsm_alphabet_stay_gsm7_others_do_not() -> None:
    # Given the Greek capitals GSM-7 carries, and lower-case Greek it does not
    assert segment_info("ΔΦΓΛΩΠΨΣΘΞ").encoding == "GSM-7"
    assert segment_info("Γειά σου").encoding == "UCS-2"  # noqa: RUF001 (Greek on purpose)


@pytest.mark.parametrize(("text", "units", "segments"), [
    ("😀" * 35, 70, 1),            # emoji are surrogate pairs: two UTF-16 units each
    ("😀" * 36, 72, 2),
    ("é" * 69 + "ó", 70, 1),
    ("ó" * 71, 71, 2),
    ("ó" * 134, 134, 2),
    ("ó" * 135, 135, 3),
])
def test_ucs2_counts_utf16_units_70_then_67(text: str, units: int, segments: int) -> None:
    info = segment_info(text)
    assert (info.encoding, info.units, info.segments) == ("UCS-2", units, segments)


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    # Given 66 units then an emoji (2 units) at the 67-unit boundary; Then the emoji goes to segment 2
    assert segment_info("ó" * 66 + "😀" + "ó" * 66).segments == 3
    assert segment_info("ó" * 65 + "😀" + "ó" * 67).segments == 2


def test_as_dict_is_the_preview_shape() -> None:
    info = segment_info("Hi 👋").as_dict()
    assert info == {"encoding": "UCS-2", "characters": 4, "units": 5, "segments": 1, "per_segment": 70,
                    "non_gsm_characters": ["👋"], "within_limit": True, "max_segments": 10}


def test_sending_checks_refuse_empty_and_oversized_bodies_naming_body() -> None:
    # Given an empty body, 11 GSM segments and 11 UCS-2 segments; Then each is a 422 on "body"
    for body in ["", "   \n", "a" * 1531, "ó" * 671]:
        with pytest.raises(ValidationFailed) as exc:
            check_sms_body(body)
        assert exc.value.details["errors"][0]["field"] == "body"
    # And the largest sendable bodies pass
    assert check_sms_body("a" * 1530).segments == 10
    assert check_sms_body("ó" * 670).segments == 10
