// Downloading a file the API serves to a signed-in caller (a CSV report): fetched with the session's token, then
// handed to the browser as a file.
import { authFetch } from "./api/client";
import { ApiError } from "./api/errors";
import { config } from "./config";

export async function downloadFile(path: string, fallbackName: string): Promise<void> {
  const response = await authFetch(new Request(`${config().apiUrl}${path}`));
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1];
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = named ?? fallbackName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
