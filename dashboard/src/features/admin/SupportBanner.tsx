// Across the top of every screen during a support session: whose account this is, why, until when, and the
// button that ends it (back to the administrator's own session).
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { endSupport, useSupport } from "./support";

export function SupportBanner() {
  const support = useSupport();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [ending, setEnding] = useState(false);
  const deadline = support ? Date.parse(support.expiresAt) : null;
  // The impersonation token has no refresh: at its deadline the administrator's own session comes back.
  useEffect(() => {
    if (deadline === null) return;
    const timer = window.setTimeout(() => void end(), Math.max(0, deadline - Date.now()));
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [deadline]);
  if (!support) return null;
  async function end() {
    if (!support) return;
    setEnding(true);
    try {
      await endSupport();
    } finally {
      client.clear();
      setEnding(false);
      navigate(`/admin/workspaces/${support.workspaceId}`);
    }
  }
  return (
    <div className="support-banner" role="region" aria-label="Support session">
      <span>
        <strong>Support session:</strong> you are acting as {support.user.email} until{" "}
        {new Date(support.expiresAt).toLocaleTimeString()}. Reason: {support.reason}
      </span>
      <button type="button" className="primary small" onClick={() => void end()} disabled={ending}>
        {ending ? "Ending…" : "End support session"}
      </button>
    </div>
  );
}
