import { describe, expect, it } from "vitest";
import { ApiError } from "./api/errors";
import { formErrors } from "./forms";

describe("formErrors", () => {
  it("puts each listed field's message next to the field the form shows", () => {
    const error = new ApiError(422, {
      error: {
        code: "validation_failed",
        message: "email: bad",
        details: {
          errors: [
            { field: "email", message: "is not an email" },
            { field: "password", message: "too short" },
          ],
        },
      },
    });
    expect(formErrors(error, ["email", "password"])).toEqual({
      fields: { email: "is not an email", password: "too short" },
      form: null,
    });
  });

  it("keeps the message above the form when the named field is not on it", () => {
    const error = new ApiError(409, {
      error: { code: "conflict", message: "That email is taken", details: { field: "owner_email" } },
    });
    expect(formErrors(error, ["email"])).toEqual({ fields: {}, form: "That email is taken" });
  });

  it("maps a nested path to its top-level field", () => {
    const error = new ApiError(422, {
      error: { message: "x", details: { errors: [{ field: "custom_fields/plan", message: "unknown option" }] } },
    });
    expect(formErrors(error, ["custom_fields"]).fields).toEqual({ custom_fields: "unknown option" });
  });

  it("shows a network failure as one message", () => {
    expect(formErrors(new TypeError("Failed to fetch"))).toEqual({ fields: {}, form: "Failed to fetch" });
  });
});
