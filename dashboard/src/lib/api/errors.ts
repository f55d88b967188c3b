// The API's one error shape: {"error": {"code", "message", "details"}}; details name the field(s) at fault,
// as {"field": "email"} or {"errors": [{"field": "email", "message": "..."}]}.
export interface ErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, body: unknown) {
    const error = (body as ErrorBody | null)?.error;
    super(error?.message ?? `The server answered ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error?.code ?? (status === 0 ? "network_error" : "http_error");
    this.details = error?.details ?? {};
  }

  /** Messages keyed by field path ("email", "custom_fields.plan"); the whole message when no field is named. */
  fieldErrors(): Record<string, string> {
    const listed = this.details.errors;
    if (Array.isArray(listed)) {
      const out: Record<string, string> = {};
      for (const item of listed as { field?: unknown; message?: unknown }[]) {
        if (typeof item?.field === "string" && !(item.field in out)) out[item.field] = String(item.message ?? "");
      }
      return out;
    }
    const field = this.details.field;
    return typeof field === "string" ? { [field]: this.message } : {};
  }
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return "Something went wrong";
}
