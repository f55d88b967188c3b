// What the canvas paints on nodes besides their settings: problems from the API, a run's step status, the dry
// run's path, per-node counts. Kept outside React Flow's node array so that changing them re-renders only the
// nodes whose decoration changed (each node subscribes to its own entry), never the whole graph.
import { createContext, useContext, useSyncExternalStore } from "react";

export type StepStatus = "done" | "waiting" | "failed" | "skipped" | "not_reached" | "path";

export interface Decoration {
  problems?: string[];
  status?: StepStatus;
  count?: { entered: number; failed: number };
}

export interface DecorationStore {
  get: (id: string) => Decoration | undefined;
  set: (next: ReadonlyMap<string, Decoration>) => void;
  subscribe: (listener: () => void) => () => void;
}

export function createDecorationStore(): DecorationStore {
  let current: ReadonlyMap<string, Decoration> = new Map();
  const listeners = new Set<() => void>();
  return {
    get: (id) => current.get(id),
    set(next) {
      // Keep an unchanged node's entry identical, so its subscriber does not re-render.
      const merged = new Map<string, Decoration>();
      for (const [id, decoration] of next) {
        const old = current.get(id);
        merged.set(id, old && sameDecoration(old, decoration) ? old : decoration);
      }
      current = merged;
      listeners.forEach((listener) => listener());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function sameDecoration(a: Decoration, b: Decoration): boolean {
  return (
    a.status === b.status &&
    a.count?.entered === b.count?.entered &&
    a.count?.failed === b.count?.failed &&
    (a.problems ?? []).join("\n") === (b.problems ?? []).join("\n")
  );
}

const EMPTY = createDecorationStore();
export const DecorationContext = createContext<DecorationStore>(EMPTY);

/** This node's decoration; re-renders the caller only when it changes. */
export function useDecoration(id: string): Decoration | undefined {
  const store = useContext(DecorationContext);
  return useSyncExternalStore(
    store.subscribe,
    () => store.get(id),
    () => store.get(id),
  );
}
