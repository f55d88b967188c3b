// Turning a failed mutation into what a form shows: messages next to the fields the API named, and the rest
// above the submit button.
import { ApiError, messageOf } from "./api/errors";

export interface FormErrors {
  fields: Record<string, string>;
  form: string | null;
}

/** Split an error into field messages (for the fields the form shows) and one form-level message. */
export function formErrors(error: unknown, shownFields: readonly string[] = []): FormErrors {
  if (!error) return { fields: {}, form: null };
  if (!(error instanceof ApiError)) return { fields: {}, form: messageOf(error) };
  const named = error.fieldErrors();
  const fields: Record<string, string> = {};
  let unshown = false;
  for (const [field, message] of Object.entries(named)) {
    const top = field.split(/[/.[]/)[0] ?? field;
    const target = shownFields.includes(field) ? field : shownFields.includes(top) ? top : null;
    if (target) fields[target] ??= message || error.message;
    else unshown = true;
  }
  const form = Object.keys(fields).length === 0 || unshown ? error.message : null;
  return { fields, form };
}
