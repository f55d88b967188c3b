// Where Google and Microsoft send the browser back: hand the code and state to the API once, then go to the
// integrations screen (or say what went wrong, with a way back).
import { useEffect, useMemo, useRef } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { ErrorState, Loading, Page, Panel } from "@/components/ui";
import { useToast } from "@/components/toast";
import { useCompleteConnect } from "./api";
import { callbackBody } from "./status";

const NAMES: Record<string, string> = { google: "Google Calendar", microsoft: "Microsoft 365" };

export default function IntegrationCallbackPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const toast = useToast();
  const complete = useCompleteConnect();
  const body = useMemo(() => callbackBody(location.search), [location.search]);
  const sent = useRef(false); // the state is good for one use: never post it twice
  useEffect(() => {
    if (!body || sent.current) return;
    sent.current = true;
    complete.mutate(body, {
      onSuccess: (connection) => {
        toast(`${NAMES[connection.provider] ?? connection.provider} connected`);
        navigate("/integrations", { replace: true });
      },
    });
  }, [body, complete, navigate, toast]);
  return (
    <Page title="Connecting">
      <Panel>
        {!body ? (
          <ErrorState error={new Error("This page expects to be opened by the provider after you approve access.")} />
        ) : complete.isError ? (
          <ErrorState error={complete.error} />
        ) : (
          <Loading label="Finishing the connection" />
        )}
        <p>
          <Link to="/integrations">Back to Integrations</Link>
        </p>
      </Panel>
    </Page>
  );
}
