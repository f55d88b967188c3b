// @mentions in notes. The API stores a mention as `@[Display Name](user:<user_id>)` (leadpilot/notes/mentions.py);
// the composer shows "@Display Name" while typing and turns the chosen mentions into that markup on save.

// The same pattern as the backend's MENTION (the user id is a ULID).
const MENTION = /@\[([^[\]\n]{1,100})\]\(user:([0-7][0-9A-HJKMNP-TV-Z]{25})\)/g;

export type NotePart = { text: string } | { mention: { name: string; userId: string } };

/** A note body split into plain text and mentions, for display. */
export function parseMentions(body: string): NotePart[] {
  const parts: NotePart[] = [];
  let last = 0;
  for (const match of body.matchAll(MENTION)) {
    const at = match.index ?? 0;
    if (at > last) parts.push({ text: body.slice(last, at) });
    parts.push({ mention: { name: match[1] ?? "", userId: match[2] ?? "" } });
    last = at + match[0].length;
  }
  if (last < body.length) parts.push({ text: body.slice(last) });
  return parts;
}

/** The "@que" being typed just before the caret (what to suggest members for), or null. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([^\s@[\]()]{0,40})$/.exec(before);
  if (!match) return null;
  return { start: caret - (match[2] ?? "").length - 1, query: match[2] ?? "" };
}

export interface Mentionable {
  user_id: string;
  name: string;
  email: string;
}

/** Members whose name or email starts a word with the query (case-insensitive), at most `limit`. */
export function suggestMembers(members: Mentionable[], query: string, limit = 6): Mentionable[] {
  const q = query.toLowerCase();
  return members
    .filter(
      (m) =>
        !q ||
        m.name
          .toLowerCase()
          .split(/\s+/)
          .some((w) => w.startsWith(q)) ||
        m.email.startsWith(q),
    )
    .slice(0, limit);
}

/** Put "@Name " in place of the typed "@que"; returns the new text and where the caret goes. */
export function insertMention(
  text: string,
  caret: number,
  member: Mentionable,
): { text: string; caret: number } | null {
  const typed = mentionQuery(text, caret);
  if (!typed) return null;
  const inserted = `@${member.name} `;
  return {
    text: text.slice(0, typed.start) + inserted + text.slice(caret),
    caret: typed.start + inserted.length,
  };
}

/** The body to save: every "@Name" of a chosen member written as the API's mention markup. */
export function toMarkup(text: string, chosen: Mentionable[]): string {
  // Longest names first, so "@Ada Lovelace" is not taken as "@Ada" followed by text.
  const byLength = [...new Map(chosen.map((m) => [m.user_id, m])).values()].sort(
    (a, b) => b.name.length - a.name.length,
  );
  let out = text;
  for (const member of byLength) {
    const escaped = member.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(
      new RegExp(`(^|[^\\[])@${escaped}(?![\\]\\w])`, "g"),
      `$1@[${member.name}](user:${member.user_id})`,
    );
  }
  return out;
}
