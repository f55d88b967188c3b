import { describe, expect, it } from "vitest";
import { MAX_SEGMENTS, segmentInfo, unitsLeft } from "./segments";

describe("segmentInfo", () => {
  it("counts an empty body as no segment of GSM-7", () => {
    // Given nothing typed / Then nothing would be sent
    expect(segmentInfo("")).toMatchObject({ encoding: "GSM-7", characters: 0, units: 0, segments: 0 });
  });

  it("fits 160 GSM-7 characters in one segment and splits the 161st into two of 153", () => {
    // Given bodies at the single-segment edge
    const full = segmentInfo("a".repeat(160));
    const over = segmentInfo("a".repeat(161));
    // Then the limit is 160 for one segment and 153 per part after that
    expect(full).toMatchObject({ segments: 1, perSegment: 160, units: 160 });
    expect(over).toMatchObject({ segments: 2, perSegment: 153 });
    expect(segmentInfo("a".repeat(306)).segments).toBe(2);
    expect(segmentInfo("a".repeat(307)).segments).toBe(3);
  });

  it("keeps accented letters of the GSM alphabet in GSM-7 and counts extension characters twice", () => {
    // Given GSM letters (é, ñ, Ä) and extension characters (€, {, ])
    const info = segmentInfo("Café ñ Ä €{]");
    // Then the body stays GSM-7, each extension character taking two septets
    expect(info.encoding).toBe("GSM-7");
    expect(info.characters).toBe(12);
    expect(info.units).toBe(15);
  });

  it("never splits an escape sequence across two segments", () => {
    // Given 152 letters then a euro sign (two septets) in a multipart text
    const info = segmentInfo("a".repeat(152) + "€" + "a".repeat(10));
    // Then the euro sign moves whole into the second segment
    expect(info.units).toBe(164);
    expect(info.segments).toBe(2);
    expect(segmentInfo("a".repeat(152) + "€".repeat(77)).segments).toBe(3);
  });

  it("switches to UCS-2 when an emoji is typed and names the character that forced it", () => {
    // Given a GSM text with one emoji
    const info = segmentInfo("Thanks! 😀");
    // Then it is UCS-2, counted in code points, the emoji taking two UTF-16 units
    expect(info).toMatchObject({ encoding: "UCS-2", characters: 9, units: 10, segments: 1, perSegment: 70 });
    expect(info.nonGsmCharacters).toEqual(["😀"]);
  });

  it("fits 70 UCS-2 units in one segment and 67 per part after that, keeping surrogate pairs whole", () => {
    // Given UCS-2 bodies around the edges
    expect(segmentInfo("ж".repeat(70)).segments).toBe(1);
    expect(segmentInfo("ж".repeat(71))).toMatchObject({ segments: 2, perSegment: 67 });
    // 66 units then an emoji (two units) does not fit the first part: it starts the second one
    expect(segmentInfo("ж".repeat(66) + "😀" + "ж".repeat(4)).segments).toBe(2);
    expect(segmentInfo("ж".repeat(66) + "😀" + "ж".repeat(67)).segments).toBe(3);
  });

  it("lists each character that forced UCS-2 once, in order", () => {
    expect(segmentInfo("“Hi” — “you”").nonGsmCharacters).toEqual(["“", "”", "—"]);
  });

  it("says a body over ten segments or 1,600 characters may not be sent", () => {
    // Given the longest GSM-7 body that fits and one more character
    const fits = segmentInfo("a".repeat(153 * MAX_SEGMENTS));
    const over = segmentInfo("a".repeat(153 * MAX_SEGMENTS + 1));
    // Then the first is within the limit and the second is not
    expect(fits.withinLimit).toBe(true);
    expect(over).toMatchObject({ segments: 11, withinLimit: false });
    expect(segmentInfo("€".repeat(801)).withinLimit).toBe(false);
  });
});

describe("unitsLeft", () => {
  it("says how many units remain before the next segment", () => {
    expect(unitsLeft(segmentInfo(""))).toBe(160);
    expect(unitsLeft(segmentInfo("a".repeat(150)))).toBe(10);
    expect(unitsLeft(segmentInfo("a".repeat(161)))).toBe(145);
    expect(unitsLeft(segmentInfo("😀"))).toBe(68);
  });
});
