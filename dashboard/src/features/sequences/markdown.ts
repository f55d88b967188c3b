// A small markdown reader for the step preview: the common subset the server's renderer (markdown-it,
// CommonMark + tables + strikethrough) turns into email HTML. It builds a tree that Markdown.tsx renders as React
// elements, so nothing in a body ever becomes markup: raw HTML shows as text and only http(s), mailto and tel
// links are links (the server's allow-list). Variables ({{first_name|there}}) are kept as such to be shown.
export type Inline =
  | { t: "text"; v: string }
  | { t: "strong" | "em" | "del"; c: Inline[] }
  | { t: "code"; v: string }
  | { t: "link"; href: string; c: Inline[] }
  | { t: "var"; name: string; fallback: string | null }
  | { t: "br" };

export type Block =
  | { t: "p"; c: Inline[] }
  | { t: "h"; level: 1 | 2 | 3 | 4 | 5 | 6; c: Inline[] }
  | { t: "ul"; items: Inline[][] }
  | { t: "ol"; start: number; items: Inline[][] }
  | { t: "quote"; blocks: Block[] }
  | { t: "pre"; v: string }
  | { t: "hr" };

const SAFE_URL = /^(https?:\/\/|mailto:|tel:)/i;
const PUNCTUATION = "\\`*_{}[]()#+-.!|~\"'=:<>";
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$/;
const RULE = /^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$/;
const BULLET = /^ {0,3}[-*+][ \t]+(.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)][ \t]+(.*)$/;
const QUOTE = /^ {0,3}>[ \t]?(.*)$/;
const FENCE = /^ {0,3}(```|~~~)/;

export function isSafeUrl(url: string): boolean {
  return SAFE_URL.test(url.trim());
}

function startsBlock(line: string): boolean {
  return (
    HEADING.test(line) ||
    RULE.test(line) ||
    BULLET.test(line) ||
    NUMBERED.test(line) ||
    QUOTE.test(line) ||
    FENCE.test(line)
  );
}

/** The blocks of a markdown text. */
export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i += 1;
      while (i < lines.length && !(lines[i] ?? "").trimStart().startsWith(fence[1] ?? "```"))
        body.push(lines[i++] ?? "");
      i += 1; // the closing fence (or the end)
      blocks.push({ t: "pre", v: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = (heading[1] ?? "#").length as 1 | 2 | 3 | 4 | 5 | 6;
      blocks.push({ t: "h", level, c: parseInline(heading[2] ?? "") });
      i += 1;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ t: "hr" });
      i += 1;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] ?? "")) inner.push(QUOTE.exec(lines[i++] ?? "")?.[1] ?? "");
      blocks.push({ t: "quote", blocks: parseMarkdown(inner.join("\n")) });
      continue;
    }
    const list = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : null;
    if (list) {
      const items: string[] = [];
      const start = list === NUMBERED ? Number(NUMBERED.exec(line)?.[1] ?? 1) : 1;
      while (i < lines.length) {
        const current = lines[i] ?? "";
        const item = list.exec(current);
        if (item) items.push(item[list === NUMBERED ? 2 : 1] ?? "");
        else if (current.trim() && /^[ \t]+/.test(current) && items.length)
          items[items.length - 1] += ` ${current.trim()}`;
        else break;
        i += 1;
      }
      const parsed = items.map((item) => parseInline(item));
      blocks.push(list === NUMBERED ? { t: "ol", start, items: parsed } : { t: "ul", items: parsed });
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && (lines[i] ?? "").trim() && (paragraph.length === 0 || !startsBlock(lines[i] ?? ""))) {
      paragraph.push(lines[i++] ?? "");
    }
    blocks.push({ t: "p", c: parseParagraph(paragraph) });
  }
  return blocks;
}

/** Lines of a paragraph: a soft break is a space; two trailing spaces or a backslash make a hard break. */
function parseParagraph(lines: string[]): Inline[] {
  const out: Inline[] = [];
  lines.forEach((raw, index) => {
    const last = index === lines.length - 1;
    const hard = !last && (/ {2,}$/.test(raw) || /\\$/.test(raw));
    const line = raw.trim().replace(/\\$/, last ? "\\" : "");
    out.push(...parseInline(line));
    if (!last) out.push(hard ? { t: "br" } : { t: "text", v: " " });
  });
  return merge(out);
}

function merge(nodes: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const node of nodes) {
    const previous = out[out.length - 1];
    if (node.t === "text" && previous?.t === "text") previous.v += node.v;
    else out.push(node);
  }
  return out;
}

const PAIRS: { open: string; t: "strong" | "em" | "del" }[] = [
  { open: "**", t: "strong" },
  { open: "__", t: "strong" },
  { open: "~~", t: "del" },
  { open: "*", t: "em" },
  { open: "_", t: "em" },
];

/** Inline markup of one line: escapes, code, variables, links, strong, emphasis and strikethrough. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = "";
  const flush = () => {
    if (plain) out.push({ t: "text", v: plain });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? "";
    const rest = text.slice(i);
    if (ch === "\\" && PUNCTUATION.includes(text[i + 1] ?? "")) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i) {
        flush();
        out.push({ t: "code", v: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    const variable = /^\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|([^{}]*))?\}\}/.exec(rest);
    if (variable) {
      flush();
      out.push({ t: "var", name: variable[1] ?? "", fallback: variable[2] ?? null });
      i += variable[0].length;
      continue;
    }
    const link = /^\[([^\]]*)\]\(\s*([^()\s]*)(?:\s+"[^"]*")?\s*\)/.exec(rest);
    if (link) {
      flush();
      const label = parseInline(link[1] ?? "");
      const href = link[2] ?? "";
      if (isSafeUrl(href)) out.push({ t: "link", href, c: label });
      else out.push(...label); // an unsafe or relative target: the label alone, as the sanitizer leaves it
      i += link[0].length;
      continue;
    }
    const pair = PAIRS.find((p) => rest.startsWith(p.open) && rest.length > p.open.length * 2);
    if (pair) {
      const inner = rest.slice(pair.open.length);
      let end = inner.indexOf(pair.open);
      // "***" closing "**…*…***": the strong closes with the last two, the first one closes the emphasis inside
      while (end > 0 && inner[end + pair.open.length] === pair.open[0]) end += 1;
      if (end > 0 && !/\s/.test(inner[0] ?? "") && !/\s/.test(inner[end - 1] ?? "")) {
        flush();
        out.push({ t: pair.t, c: parseInline(inner.slice(0, end)) });
        i += pair.open.length * 2 + end;
        continue;
      }
    }
    plain += ch;
    i += 1;
  }
  flush();
  return out;
}
