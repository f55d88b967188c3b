// Shown above every screen while the app is inside a sub-account opened from its agency: which workspace this
// is, whose sub-account it is, and the way back.
import { useState } from "react";
import { useNavigate } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { leaveSubAccount, useReturnPoint } from "./switching";
import "./banner.css";

export function SubAccountBanner() {
  const point = useReturnPoint();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [leaving, setLeaving] = useState(false);
  if (!point) return null;
  const back = async () => {
    setLeaving(true);
    try {
      await leaveSubAccount();
      queryClient.clear();
      navigate("/agency");
    } finally {
      setLeaving(false);
    }
  };
  return (
    <div className="agency-banner" role="region" aria-label="Sub-account">
      <span aria-hidden="true" className="agency-banner-icon">
        ⤷
      </span>
      <span>
        You are working in <strong>{point.subAccountName}</strong>, a sub-account of {point.agencyName}.
      </span>
      <button type="button" className="small" onClick={() => void back()} disabled={leaving}>
        Back to {point.agencyName}
      </button>
    </div>
  );
}
