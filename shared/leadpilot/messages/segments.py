"""SMS encoding (GSM-7 or UCS-2) and segment count, as carriers and Twilio count them (3GPP TS 23.038)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from leadpilot.errors import ValidationFailed

Encoding = Literal["GSM-7", "UCS-2"]

# The GSM 03.38 default alphabet (one septet each) and its extension table (escape + char: two septets).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("\f^{}\\[~]|€")

SINGLE = {"GSM-7": 160, "UCS-2": 70}
CONCATENATED = {"GSM-7": 153, "UCS-2": 67}  # the user data header of a multipart SMS takes the rest
MAX_SEGMENTS = 10
MAX_CHARACTERS = 1600  # Twilio refuses bodies longer than this


@dataclass(frozen=True)
class SegmentInfo:
    """How a body travels: its encoding, length, number of segments and what forced UCS-2."""

    encoding: Encoding
    characters: int
    units: int
    segments: int
    per_segment: int
    non_gsm_characters: tuple[str, ...]

    @property
    def within_limit(self) -> bool:
        """True when the body may be sent (at most MAX_SEGMENTS segments and MAX_CHARACTERS characters)."""
        return self.segments <= MAX_SEGMENTS and self.characters <= MAX_CHARACTERS

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape shown before sending."""
        return {"encoding": self.encoding, "characters": self.characters, "units": self.units,
                "segments": self.segments, "per_segment": self.per_segment,
                "non_gsm_characters": list(self.non_gsm_characters), "within_limit": self.within_limit,
                "max_segments": MAX_SEGMENTS}


def _unit_widths(text: str, encoding: Encoding) -> list[int]:
    """Per character, the units it takes: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding == "GSM-7":
        return [2 if ch in GSM_EXTENDED else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _pack(widths: list[int], per_segment: int) -> int:
    """Segments needed when no character is split across two segments (escapes and surrogate pairs stay whole)."""
    count, used = 1, 0
    for width in widths:
        if used + width > per_segment:
            count, used = count + 1, 0
        used += width
    return count


def segment_info(text: str) -> SegmentInfo:
    """Encoding and segment count of an SMS body; an empty body is one GSM-7 segment of nothing."""
    non_gsm = tuple(dict.fromkeys(ch for ch in text if ch not in GSM_BASIC and ch not in GSM_EXTENDED))
    encoding: Encoding = "UCS-2" if non_gsm else "GSM-7"
    widths = _unit_widths(text, encoding)
    units = sum(widths)
    if units <= SINGLE[encoding]:
        segments, per_segment = (1 if text else 0), SINGLE[encoding]
    else:
        per_segment = CONCATENATED[encoding]
        segments = _pack(widths, per_segment)
    return SegmentInfo(encoding, len(text), units, segments, per_segment, non_gsm)


def check_sms_body(text: str, field: str = "body") -> SegmentInfo:
    """The segment info of a body that may be sent, else a 422 naming the field (empty or too long)."""
    if not text.strip():
        raise ValidationFailed.field(field, "is empty")
    info = segment_info(text)
    if not info.within_limit:
        raise ValidationFailed.field(
            field, f"is too long: {info.segments} segments ({info.encoding}, {info.characters} characters); "
                   f"the maximum is {MAX_SEGMENTS} segments or {MAX_CHARACTERS} characters")
    return info
