// SMS encoding (GSM-7 or UCS-2) and segment count as carriers and Twilio count them (3GPP TS 23.038): the same
// rules as the server's shared/leadpilot/messages/segments.py, so the composer's counter matches what is charged.
export type Encoding = "GSM-7" | "UCS-2";

// The GSM 03.38 default alphabet (one septet each) and its extension table (escape + character: two septets).
const GSM_BASIC = new Set(
  Array.from(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
      "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
  ),
);
const GSM_EXTENDED = new Set(Array.from("\f^{}\\[~]|€"));

const SINGLE: Record<Encoding, number> = { "GSM-7": 160, "UCS-2": 70 };
const CONCATENATED: Record<Encoding, number> = { "GSM-7": 153, "UCS-2": 67 }; // the multipart header takes the rest
export const MAX_SEGMENTS = 10;
export const MAX_CHARACTERS = 1600; // Twilio refuses longer bodies

export interface SegmentInfo {
  encoding: Encoding;
  /** characters as the server counts them: Unicode code points */
  characters: number;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
  segments: number;
  perSegment: number;
  /** the characters that forced UCS-2, each once, in order of appearance */
  nonGsmCharacters: string[];
  withinLimit: boolean;
}

function unitWidths(chars: string[], encoding: Encoding): number[] {
  if (encoding === "GSM-7") return chars.map((ch) => (GSM_EXTENDED.has(ch) ? 2 : 1));
  return chars.map((ch) => ((ch.codePointAt(0) ?? 0) > 0xffff ? 2 : 1));
}

/** Segments needed when no character is split across two segments (escapes and surrogate pairs stay whole). */
function pack(widths: number[], perSegment: number): number {
  let count = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > perSegment) {
      count += 1;
      used = 0;
    }
    used += width;
  }
  return count;
}

/** Encoding and segment count of an SMS body; an empty body is no segment at all. */
export function segmentInfo(text: string): SegmentInfo {
  const chars = Array.from(text);
  const nonGsm = [...new Set(chars.filter((ch) => !GSM_BASIC.has(ch) && !GSM_EXTENDED.has(ch)))];
  const encoding: Encoding = nonGsm.length ? "UCS-2" : "GSM-7";
  const widths = unitWidths(chars, encoding);
  const units = widths.reduce((sum, w) => sum + w, 0);
  let segments: number;
  let perSegment: number;
  if (units <= SINGLE[encoding]) {
    segments = chars.length ? 1 : 0;
    perSegment = SINGLE[encoding];
  } else {
    perSegment = CONCATENATED[encoding];
    segments = pack(widths, perSegment);
  }
  return {
    encoding,
    characters: chars.length,
    units,
    segments,
    perSegment,
    nonGsmCharacters: nonGsm,
    withinLimit: segments <= MAX_SEGMENTS && chars.length <= MAX_CHARACTERS,
  };
}

/** Units left before the next segment starts (what the counter shows as "n left"). */
export function unitsLeft(info: SegmentInfo): number {
  if (info.segments === 0) return info.perSegment;
  return info.segments * info.perSegment - info.units;
}
