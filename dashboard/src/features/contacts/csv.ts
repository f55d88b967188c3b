// The import wizard's preview, computed in the browser: the API has no preview route, so this reads the first
// rows of the file and applies the column detection of shared/leadpilot/jobs/csv_mapping.py (HubSpot,
// GoHighLevel, Salesforce, Pipedrive and Mailchimp header names). The import itself re-reads the whole file on
// the server with the mapping the wizard sends, so the server stays the judge of every row.

export const TARGETS = ["first_name", "last_name", "full_name", "email", "phone", "company", "source", "tags"] as const;
export type Target = (typeof TARGETS)[number];

export const TARGET_LABELS: Record<Target, string> = {
  first_name: "First name",
  last_name: "Last name",
  full_name: "Full name",
  email: "Email",
  phone: "Phone",
  company: "Company",
  source: "Source",
  tags: "Tags",
};

// Kept in step with _ALIASES in csv_mapping.py (csv.test.ts checks the HubSpot and GoHighLevel exports).
const ALIASES: Record<Target, string[]> = {
  first_name: ["firstname", "first", "givenname", "fname", "contactfirstname"],
  last_name: ["lastname", "last", "surname", "familyname", "lname", "contactlastname"],
  full_name: ["name", "fullname", "contactname", "contact"],
  email: ["email", "emailaddress", "email1", "primaryemail", "workemail", "contactemail", "emailaddr"],
  phone: [
    "phone",
    "phonenumber",
    "mobile",
    "mobilephone",
    "mobilephonenumber",
    "cell",
    "cellphone",
    "telephone",
    "primaryphone",
    "workphone",
    "contactphone",
    "phone1",
  ],
  company: ["company", "companyname", "businessname", "organization", "organisation", "account", "accountname", "org"],
  source: ["source", "leadsource", "originalsource", "contactsource", "origin"],
  tags: ["tags", "tag", "labels", "lists"],
};
const BY_ALIAS = new Map(
  Object.entries(ALIASES).flatMap(([target, aliases]) => aliases.map((a) => [a, target as Target] as const)),
);

const headerKey = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, "");

/** header -> target for every header that looks like a known column (first match of a target wins). */
export function detectMapping(headers: string[]): Record<string, Target> {
  const mapping: Record<string, Target> = {};
  const taken = new Set<Target>();
  for (const header of headers) {
    const target = BY_ALIAS.get(headerKey(header));
    if (target && !taken.has(target)) {
      mapping[header] = target;
      taken.add(target);
    }
  }
  return mapping;
}

function delimiterOf(firstLine: string): string {
  const counts = [",", ";", "\t"].map((d) => [d, firstLine.split(d).length] as const);
  return counts.reduce((best, next) => (next[1] > best[1] ? next : best))[0];
}

/** Records of a CSV text (quoted fields, doubled quotes, CRLF), at most `maxRecords`. */
function records(text: string, delimiter: string, maxRecords: number): string[][] {
  const out: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length && out.length < maxRecords; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === delimiter) {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      out.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  if ((field !== "" || record.length > 0) && out.length < maxRecords) out.push([...record, field]);
  return out.filter((r) => r.some((cell) => cell.trim() !== ""));
}

export interface CsvPreview {
  headers: string[];
  rows: Record<string, string>[];
  /** data rows in the whole file (lines that are not blank; a quoted field spanning lines may make this high) */
  approximateRows: number;
}

/** Headers and the first `sample` data rows of a CSV file's text. */
export function previewCsv(text: string, sample = 5): CsvPreview {
  const clean = text.replace(/^\ufeff/, "");
  const firstLine = clean.split(/\r?\n/, 1)[0] ?? "";
  const parsed = records(clean, delimiterOf(firstLine), sample + 1);
  const headers = (parsed[0] ?? []).map((h) => h.trim());
  const rows = parsed.slice(1).map((cells) => Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? ""])));
  const lines = clean.split(/\r?\n/).filter((line) => line.trim() !== "").length;
  return { headers, rows, approximateRows: Math.max(0, lines - 1) };
}

/** The contact one row becomes under a mapping, as the server builds it (row_to_body). */
export function rowToContact(row: Record<string, string>, mapping: Record<string, Target>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [header, target] of Object.entries(mapping)) {
    const value = (row[header] ?? "").trim();
    if (!value) continue;
    if (target === "full_name") {
      const [first, ...rest] = value.split(" ");
      body.first_name ??= first;
      const last = rest.join(" ").trim();
      if (last) body.last_name ??= last;
    } else if (target === "tags") {
      body.tags = value
        .split(/[;,|]/)
        .map((t) => t.trim())
        .filter(Boolean);
    } else body[target] = value;
  }
  return body;
}

/** What the server refuses up front: no column gives a name, email or phone. */
export function mappingProblem(mapping: Record<string, Target>): string | null {
  const reachable: Target[] = ["first_name", "last_name", "full_name", "email", "phone"];
  return Object.values(mapping).some((t) => reachable.includes(t))
    ? null
    : "Map at least one column to a name, email or phone.";
}
