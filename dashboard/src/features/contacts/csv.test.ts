import { describe, expect, it } from "vitest";
import { detectMapping, mappingProblem, previewCsv, rowToContact } from "./csv";

describe("CSV preview", () => {
  it("detects HubSpot export headers", () => {
    const headers = ["First Name", "Last Name", "Email", "Phone Number", "Company Name", "Original Source", "Notes"];
    expect(detectMapping(headers)).toEqual({
      "First Name": "first_name",
      "Last Name": "last_name",
      Email: "email",
      "Phone Number": "phone",
      "Company Name": "company",
      "Original Source": "source",
    });
  });

  it("detects GoHighLevel export headers, first column of a kind winning", () => {
    const headers = ["Contact Name", "Email", "Phone", "Business Name", "Tags", "Mobile"];
    expect(detectMapping(headers)).toEqual({
      "Contact Name": "full_name",
      Email: "email",
      Phone: "phone",
      "Business Name": "company",
      Tags: "tags",
    });
  });

  it("reads quoted fields, semicolons and CRLF, only the first rows", () => {
    // Given a semicolon file with a quoted field holding the delimiter and a quote
    const text =
      '\ufeffName;Email;Tags\r\n"Lovelace; Ada";ada@x.test;"vip|""gold"""\r\nBob;bob@x.test;\r\n\r\nCy;cy@x.test;a\r\n';
    const preview = previewCsv(text, 2);
    // Then the headers, two rows and a count of the data rows come back
    expect(preview.headers).toEqual(["Name", "Email", "Tags"]);
    expect(preview.rows).toEqual([
      { Name: "Lovelace; Ada", Email: "ada@x.test", Tags: 'vip|"gold"' },
      { Name: "Bob", Email: "bob@x.test", Tags: "" },
    ]);
    expect(preview.approximateRows).toBe(3);
  });

  it("builds the contact a row becomes as the server does", () => {
    const mapping = detectMapping(["Full Name", "Tags", "E-mail Address"]);
    expect(
      rowToContact({ "Full Name": "Ada  King Lovelace", Tags: "a; b|c", "E-mail Address": " ada@x.test " }, mapping),
    ).toEqual({
      first_name: "Ada",
      last_name: "King Lovelace",
      tags: ["a", "b", "c"],
      email: "ada@x.test",
    });
  });

  it("refuses a mapping without a name, email or phone", () => {
    expect(mappingProblem({ Company: "company" })).toMatch(/name, email or phone/);
    expect(mappingProblem({ Mail: "email" })).toBeNull();
  });
});
