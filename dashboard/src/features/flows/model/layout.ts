// Automatic layout for flows that come without positions (generated or hand-written): layers by longest path
// from the trigger (back-edges of loops ignored), then each layer ordered by its parents' average place.
export interface LayoutOptions {
  xGap: number;
  yGap: number;
}
const DEFAULTS: LayoutOptions = { xGap: 260, yGap: 150 };

interface Link {
  source: string;
  target: string;
}

/** Positions (top-left corners) for every node id: rank = longest path from a root, top to bottom. */
export function layeredLayout(
  ids: readonly string[],
  links: readonly Link[],
  options: LayoutOptions = DEFAULTS,
): Map<string, { x: number; y: number }> {
  const known = new Set(ids);
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const into = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const link of withoutBackEdges(ids, links)) {
    if (!known.has(link.source) || !known.has(link.target)) continue;
    out.get(link.source)!.push(link.target);
    into.set(link.target, (into.get(link.target) ?? 0) + 1);
  }
  // Longest path by Kahn's order on the acyclic remainder.
  const rank = new Map<string, number>(ids.map((id) => [id, 0]));
  const waiting = new Map(into);
  const queue = ids.filter((id) => waiting.get(id) === 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const next of out.get(id)!) {
      rank.set(next, Math.max(rank.get(next)!, rank.get(id)! + 1));
      waiting.set(next, waiting.get(next)! - 1);
      if (waiting.get(next) === 0) queue.push(next);
    }
  }
  const layers: string[][] = [];
  for (const id of ids) (layers[rank.get(id)!] ??= []).push(id);
  const order = new Map<string, number>();
  const parents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [source, targets] of out) for (const target of targets) parents.get(target)!.push(source);
  const positions = new Map<string, { x: number; y: number }>();
  layers.forEach((layer = [], depth) => {
    const place = (id: string) => {
      const from = parents.get(id)!.filter((p) => order.has(p));
      return from.length ? from.reduce((sum, p) => sum + order.get(p)!, 0) / from.length : layer.indexOf(id);
    };
    const sorted = [...layer].sort((a, b) => place(a) - place(b));
    const width = (sorted.length - 1) * options.xGap;
    sorted.forEach((id, index) => {
      order.set(id, index - (sorted.length - 1) / 2);
      positions.set(id, { x: index * options.xGap - width / 2, y: depth * options.yGap });
    });
  });
  return positions;
}

/** The links minus those that close a cycle in a depth-first walk from the roots (a Loop's way back). */
export function withoutBackEdges(ids: readonly string[], links: readonly Link[]): Link[] {
  const children = new Map<string, Link[]>(ids.map((id) => [id, []]));
  for (const link of links) children.get(link.source)?.push(link);
  const state = new Map<string, "open" | "done">();
  const back = new Set<Link>();
  const hasParent = new Set(links.map((l) => l.target));
  const roots = [...ids.filter((id) => !hasParent.has(id)), ...ids];
  for (const root of roots) {
    if (state.has(root)) continue;
    const stack: [string, number][] = [[root, 0]];
    state.set(root, "open");
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const link = children.get(top[0])![top[1]++];
      if (!link) {
        state.set(top[0], "done");
        stack.pop();
      } else if (state.get(link.target) === "open") {
        back.add(link);
      } else if (!state.has(link.target)) {
        state.set(link.target, "open");
        stack.push([link.target, 0]);
      }
    }
  }
  return links.filter((link) => !back.has(link));
}
