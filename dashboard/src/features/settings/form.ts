// A settings form's draft: the values being edited next to the last saved ones, so the form knows when it is
// dirty, sends only what changed, and can discard the edits.
import { useCallback, useState } from "react";

/** Deep equality of plain JSON values (what forms and the API exchange). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** The top-level fields of `next` that differ from `base`: the body of a partial update. */
export function changedFields<T extends object>(base: T, next: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(next) as (keyof T)[]) {
    if (!sameValue(base[key], next[key])) out[key] = next[key];
  }
  return out;
}

export interface Draft<T> {
  values: T;
  saved: T;
  dirty: boolean;
  set: <K extends keyof T>(field: K, value: T[K]) => void;
  replace: (values: T) => void;
  /** Forget the edits. */
  discard: () => void;
  /** The server accepted these values: they are the new baseline. */
  commit: (values: T) => void;
}

export function useDraft<T extends object>(initial: T): Draft<T> {
  const [saved, setSaved] = useState(initial);
  const [values, setValues] = useState(initial);
  const set = useCallback(<K extends keyof T>(field: K, value: T[K]) => {
    setValues((current) => ({ ...current, [field]: value }));
  }, []);
  const commit = useCallback((next: T) => {
    setSaved(next);
    setValues(next);
  }, []);
  return {
    values,
    saved,
    dirty: !sameValue(values, saved),
    set,
    replace: setValues,
    discard: () => setValues(saved),
    commit,
  };
}
