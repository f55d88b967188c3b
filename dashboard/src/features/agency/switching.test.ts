import { afterEach, describe, expect, it, vi } from "vitest";
import { readSession, writeSession } from "@/lib/auth/session";
import { enterSubAccount, leaveSubAccount, readReturnPoint } from "./switching";

const agency = { accessToken: "agency-access", refreshToken: "agency-refresh", expiresAt: 1, user: { name: "Ada" } };
const opened = {
  workspace: {
    id: "01SUB",
    name: "Bright Dental",
    timezone: "UTC",
    default_region: "US",
    status: "active",
    created_at: "2026-01-01T00:00:00Z",
  },
  role: "admin" as const,
  access_token: "sub-access",
  refresh_token: "sub-refresh",
  token_type: "Bearer" as const,
  expires_in: 900,
};

function stubFetch() {
  const calls: { url: string; auth: string | null }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn((url: string, init?: RequestInit) => {
      calls.push({ url, auth: new Headers(init?.headers).get("Authorization") });
      return Promise.resolve(new Response(null, { status: 204 }));
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("entering and leaving a sub-account", () => {
  it("switches to the sub-account's session and back to the agency's, ending the sub-account's", async () => {
    // Given an agency owner signed in
    const calls = stubFetch();
    writeSession(agency);
    // When they open a sub-account
    enterSubAccount(opened, "Acme Agency");
    // Then the app's session is the sub-account's, and the way back names both workspaces
    expect(readSession()?.accessToken).toBe("sub-access");
    expect(readSession()?.user).toEqual({ name: "Ada" });
    expect(readReturnPoint()).toMatchObject({ agencyName: "Acme Agency", subAccountName: "Bright Dental" });
    // When they go back
    await leaveSubAccount();
    // Then the agency's session is restored and the sub-account's is signed out
    expect(readSession()?.accessToken).toBe("agency-access");
    expect(readReturnPoint()).toBeNull();
    expect(calls).toEqual([{ url: expect.stringMatching(/\/auth\/logout$/), auth: "Bearer sub-access" }]);
  });

  it("signing out inside a sub-account forgets and revokes the agency's session", () => {
    // Given an owner inside a sub-account
    const calls = stubFetch();
    writeSession(agency);
    enterSubAccount(opened, "Acme Agency");
    // When they log out
    writeSession(null);
    // Then no way back is left in storage and the agency's session is revoked
    expect(readReturnPoint()).toBeNull();
    expect(localStorage.length).toBe(0);
    expect(calls.map((c) => c.auth)).toEqual(["Bearer agency-access"]);
  });
});
