import { afterEach, describe, expect, it } from "vitest";
import { readSession, writeSession } from "@/lib/auth/session";
import type { Impersonation } from "./api";
import { beginSupport, impersonationSession, readSupport } from "./support";

const started = {
  id: "01JIMP",
  workspace_id: "01JWS",
  user: { id: "01JUSER", email: "ana@acme.test" },
  admin: { id: "01JADMIN", email: "support@leadpilot.test" },
  reason: "Customer asked for help",
  started_at: "2026-12-06T10:00:00Z",
  expires_at: "2026-12-06T10:30:00Z",
  ended_at: null,
  status: "active",
  access_token: "impersonation-token",
  token_type: "Bearer",
  expires_in: 1800,
} as Impersonation;

const admin = { accessToken: "admin-token", refreshToken: "admin-refresh", expiresAt: 1, user: { email: "a@x" } };

afterEach(() => localStorage.clear());

describe("impersonationSession", () => {
  it("runs on the impersonation token until its deadline, with nothing to refresh", () => {
    expect(impersonationSession(started, 1_000)).toEqual({
      accessToken: "impersonation-token",
      refreshToken: "",
      expiresAt: 1_000 + 1_800_000,
      user: { email: "ana@acme.test", name: "ana@acme.test" },
    });
  });
});

describe("beginSupport", () => {
  it("puts the administrator's session aside and switches the app to the user's", () => {
    // Given a signed-in administrator
    writeSession(admin);

    // When a support session starts
    beginSupport(started);

    // Then the app runs as the user, and the admin's session waits to be restored
    expect(readSession()?.accessToken).toBe("impersonation-token");
    expect(readSupport()).toMatchObject({ id: "01JIMP", workspaceId: "01JWS", admin });
  });

  it("forgets the support session when the app signs out", () => {
    writeSession(admin);
    beginSupport(started);
    writeSession(null);
    expect(readSupport()).toBeNull();
  });
});
