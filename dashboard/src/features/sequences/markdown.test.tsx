import { describe, expect, it } from "vitest";
import { render } from "@testing-library/react";
import { Markdown } from "./Markdown";
import { isSafeUrl, parseInline, parseMarkdown } from "./markdown";

describe("parseMarkdown", () => {
  it("reads headings, paragraphs, lists, quotes, code blocks and rules", () => {
    // Given a step body using the common markdown blocks
    const blocks = parseMarkdown(
      "# Welcome\n\nHi there,\nthanks for\u00a0asking.\n\n- one\n- two\n  continued\n\n3. third\n4. fourth\n\n> quoted\n\n```\n**not bold**\n```\n\n---",
    );
    // Then each is recognised, a soft line break is a space and a list item keeps its indented continuation
    expect(blocks.map((b) => b.t)).toEqual(["h", "p", "ul", "ol", "quote", "pre", "hr"]);
    expect(blocks[1]).toEqual({ t: "p", c: [{ t: "text", v: "Hi there, thanks for\u00a0asking." }] });
    expect(blocks[2]).toEqual({ t: "ul", items: [[{ t: "text", v: "one" }], [{ t: "text", v: "two continued" }]] });
    expect(blocks[3]).toMatchObject({ t: "ol", start: 3 });
    expect(blocks[5]).toEqual({ t: "pre", v: "**not bold**" });
  });

  it("makes a hard line break of two trailing spaces", () => {
    expect(parseMarkdown("Best,  \nSam")).toEqual([
      { t: "p", c: [{ t: "text", v: "Best," }, { t: "br" }, { t: "text", v: "Sam" }] },
    ]);
  });
});

describe("parseInline", () => {
  it("reads strong, emphasis, strikethrough, code and nested markup", () => {
    expect(parseInline("**Big *news*** and ~~old~~ `x*y`")).toEqual([
      {
        t: "strong",
        c: [
          { t: "text", v: "Big " },
          { t: "em", c: [{ t: "text", v: "news" }] },
        ],
      },
      { t: "text", v: " and " },
      { t: "del", c: [{ t: "text", v: "old" }] },
      { t: "text", v: " " },
      { t: "code", v: "x*y" },
    ]);
  });

  it("keeps escaped punctuation and unpaired or spaced markers as text", () => {
    expect(parseInline("\\*not em\\* and 2 * 3 * 4")).toEqual([{ t: "text", v: "*not em* and 2 * 3 * 4" }]);
  });

  it("keeps variables with their fallback", () => {
    expect(parseInline("Hi {{ first_name | there }}!")).toEqual([
      { t: "text", v: "Hi " },
      { t: "var", name: "first_name", fallback: " there " },
      { t: "text", v: "!" },
    ]);
  });

  it("links only to http(s), mailto and tel targets; anything else is its label", () => {
    expect(parseInline("[Book](https://example.com/book)")).toEqual([
      { t: "link", href: "https://example.com/book", c: [{ t: "text", v: "Book" }] },
    ]);
    expect(parseInline("[click](javascript:alert(1))")).not.toContainEqual(expect.objectContaining({ t: "link" }));
    expect(parseInline("[home](/relative)")).toEqual([{ t: "text", v: "home" }]);
    expect(isSafeUrl("mailto:sam@example.com")).toBe(true);
    expect(isSafeUrl(" JavaScript:alert(1)")).toBe(false);
  });
});

describe("Markdown", () => {
  it("renders raw HTML in a body as text, never as markup", () => {
    // Given a body carrying a script and an image with a handler
    const { container } = render(<Markdown source={'<script>alert(1)</script> <img src=x onerror="alert(1)">'} />);
    // Then neither becomes an element; both are shown as typed
    expect(container.querySelector("script, img")).toBeNull();
    expect(container.textContent).toContain("<script>alert(1)</script>");
  });

  it("renders links that open safely and variables as labelled tokens", () => {
    const { container } = render(<Markdown source={"Hi {{first_name|there}}, [book a call](https://example.com)"} />);
    const link = container.querySelector("a");
    expect(link?.getAttribute("href")).toBe("https://example.com");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer");
    expect(container.querySelector(".md-var")?.textContent).toBe("first_name");
  });
});
