import { describe, expect, it } from "vitest";
import { insertMention, mentionQuery, parseMentions, suggestMembers, toMarkup } from "./mentions";

const GRACE = { user_id: "01HV7Z3J6Q8W9X0Y1Z2A3B4C5D", name: "Grace Hopper", email: "grace@acme.test" };
const GREG = { user_id: "01HV7Z3J6Q8W9X0Y1Z2A3B4C5E", name: "Greg", email: "greg@acme.test" };

describe("mentions", () => {
  it("splits a stored body into text and mentions", () => {
    // Given a body as the API stores it
    const body = `Call back, @[Grace Hopper](user:${GRACE.user_id}) has the contract.`;
    // Then the mention is found with its name and user id, the text around it kept
    expect(parseMentions(body)).toEqual([
      { text: "Call back, " },
      { mention: { name: "Grace Hopper", userId: GRACE.user_id } },
      { text: " has the contract." },
    ]);
  });

  it("leaves text that only looks like a mention alone", () => {
    expect(parseMentions("mail @[x](user:nope) or a@b.c")).toEqual([{ text: "mail @[x](user:nope) or a@b.c" }]);
  });

  it("finds the @query being typed, not an email address", () => {
    expect(mentionQuery("ask @gr", 7)).toEqual({ start: 4, query: "gr" });
    expect(mentionQuery("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQuery("write to a@gr", 13)).toBeNull();
    expect(mentionQuery("ask @gr now", 11)).toBeNull();
  });

  it("suggests members by the start of a name or email", () => {
    expect(suggestMembers([GRACE, GREG], "hop")).toEqual([GRACE]);
    expect(suggestMembers([GRACE, GREG], "gre")).toEqual([GREG]);
    expect(suggestMembers([GRACE, GREG], "")).toEqual([GRACE, GREG]);
  });

  it("inserts the chosen name and saves it as mention markup", () => {
    // Given "@gr" typed and Grace chosen
    const typed = insertMention("ask @gr", 7, GRACE);
    expect(typed).toEqual({ text: "ask @Grace Hopper ", caret: 18 });
    // When the note is saved with Grace and Greg mentioned
    const body = toMarkup(`${typed?.text}and @Greg.`, [GREG, GRACE]);
    // Then both are written as the API's markup, the longer name not broken by the shorter
    expect(body).toBe(`ask @[Grace Hopper](user:${GRACE.user_id}) and @[Greg](user:${GREG.user_id}).`);
  });
});
