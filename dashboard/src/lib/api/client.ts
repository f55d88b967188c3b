// The one API client: generated types (schema.d.ts from the OpenAPI document, `npm run api`) over openapi-fetch,
// with the session's bearer token, a silent refresh when the access token is about to expire or a request
// answers 401, and sign-out when the refresh itself is refused (the router then shows the login screen).
import createClient from "openapi-fetch";
import type { paths, components } from "./schema";
import { ApiError } from "./errors";
import { config } from "../config";
import { readSession, sessionFrom, writeSession, type Session, type TokenAnswer } from "../auth/session";

export type Schemas = components["schemas"];
export type { paths };

const REFRESH_AHEAD_MS = 60_000;
let refreshing: Promise<Session | null> | null = null;

/** Trade the refresh token for a new pair, once at a time however many requests ask. */
export function refreshSession(): Promise<Session | null> {
  refreshing ??= (async () => {
    const current = readSession();
    if (!current) return null;
    try {
      const response = await fetch(`${config().apiUrl}/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: current.refreshToken }),
      });
      if (response.status === 401) {
        writeSession(null);
        return null;
      }
      if (!response.ok) return current; // the server is unwell: keep the session and let the request fail
      const next = sessionFrom((await response.json()) as TokenAnswer, current.user);
      writeSession(next);
      return next;
    } catch {
      return current;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function withToken(request: Request, session: Session | null): Promise<Response> {
  const headers = new Headers(request.headers);
  if (session) headers.set("Authorization", `Bearer ${session.accessToken}`);
  return fetch(new Request(request, { headers }));
}

export async function authFetch(input: Request): Promise<Response> {
  let session = readSession();
  if (session && session.expiresAt - Date.now() < REFRESH_AHEAD_MS) session = await refreshSession();
  const retry = input.clone();
  const response = await withToken(input, session);
  if (response.status !== 401 || !session) return response;
  const renewed = await refreshSession();
  if (!renewed) return response;
  return withToken(retry, renewed);
}

export const api = createClient<paths>({
  baseUrl: "",
  fetch: (request: Request) => authFetch(request),
});

// The base URL is only known once config.json is read; openapi-fetch takes it per call through this middleware.
api.use({
  onRequest({ request }) {
    const base = config().apiUrl;
    const url = new URL(request.url, window.location.origin);
    if (url.origin === window.location.origin && base !== window.location.origin) {
      return new Request(base + url.pathname + url.search, request);
    }
    return request;
  },
});

/** The data of an openapi-fetch answer, or an ApiError carrying the server's message and field details. */
export async function unwrap<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer;
  try {
    answer = await pending;
  } catch {
    throw new ApiError(0, { error: { code: "network_error", message: "The server could not be reached" } });
  }
  if (answer.error !== undefined || !answer.response.ok) {
    throw new ApiError(answer.response.status, answer.error ?? null);
  }
  return answer.data as T;
}
