// Where the API and the live socket are. Same origin by default (the local cloud serves both); a deployment
// writes /app/config.json with the API Gateway URLs (infra/deploy_dashboard.py).
export interface RuntimeConfig {
  apiUrl: string;
  liveUrl: string;
}

function sameOrigin(): RuntimeConfig {
  const { protocol, host, origin } = window.location;
  return { apiUrl: origin, liveUrl: `${protocol === "https:" ? "wss" : "ws"}://${host}/live` };
}

let current: RuntimeConfig | null = null;

export function config(): RuntimeConfig {
  return current ?? sameOrigin();
}

export async function loadConfig(): Promise<RuntimeConfig> {
  const fallback = sameOrigin();
  try {
    const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-store" });
    if (response.ok && response.headers.get("content-type")?.includes("json")) {
      const body = (await response.json()) as Partial<RuntimeConfig>;
      current = {
        apiUrl: (body.apiUrl ?? fallback.apiUrl).replace(/\/$/, ""),
        // A deployment without a live endpoint leaves liveUrl out: the screens poll instead.
        liveUrl: body.liveUrl ?? "",
      };
      return current;
    }
  } catch {
    // No config.json: the API is on this origin.
  }
  current = fallback;
  return current;
}
