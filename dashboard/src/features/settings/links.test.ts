import { describe, expect, it } from "vitest";
import { inviteLink } from "./MembersSettings";
import { scopesFor } from "./ApiKeysSettings";

describe("invite links and key scopes", () => {
  it("points an invite at the accept screen with the token escaped", () => {
    // Given a token with characters a URL must escape / Then the link keeps it intact
    expect(inviteLink("http://127.0.0.1:3000", "lpi_01ABC_x+y/z=")).toBe(
      "http://127.0.0.1:3000/app/accept-invite?token=lpi_01ABC_x%2By%2Fz%3D",
    );
    const token = new URL(inviteLink("https://app.example.com", "lpi_01ABC_x+y/z=")).searchParams.get("token");
    expect(token).toBe("lpi_01ABC_x+y/z=");
  });

  it("always asks for read, and for write only when chosen", () => {
    expect(scopesFor(false)).toEqual(["read"]);
    expect(scopesFor(true)).toEqual(["read", "write"]);
  });
});
