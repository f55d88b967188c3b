// The calendar-feed link: a secret iCalendar URL of the user's open tasks for Google, Outlook or Apple
// Calendar. The API shows the URL once; making a new one turns the old one off.
import { useState } from "react";
import { FormError, Panel } from "@/components/ui";
import { messageOf } from "@/lib/api/errors";
import { useToast } from "@/components/toast";
import { useCalendarFeed } from "./api";

export function CalendarFeed() {
  const feed = useCalendarFeed();
  const toast = useToast();
  const [url, setUrl] = useState<string | null>(null);
  const [off, setOff] = useState(false);
  // When the link on now was made (null: none is on, or not known yet)
  const active = feed.status.data?.active ? feed.status.data.created_at : null;
  const make = () => {
    if ((url || active) && !window.confirm("Make a new link? The current one stops working.")) return;
    feed.create.mutate(undefined, {
      onSuccess: (answer) => {
        setUrl(answer.url);
        setOff(false);
      },
    });
  };
  const revoke = () =>
    feed.revoke.mutate(undefined, {
      onSuccess: () => {
        setUrl(null);
        setOff(true);
      },
      onError: () => setUrl(null),
    });
  const copy = async () => {
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      toast("Calendar link copied");
    } catch {
      toast("Copy failed: select the link and copy it by hand", "error");
    }
  };
  return (
    <Panel title="Calendar feed" className="calendar-feed">
      <div className="stack">
        <p className="muted">
          Subscribe to your open tasks from Google, Outlook or Apple Calendar. The link is secret and shown once: copy
          it now. Making a new one turns the old one off.
        </p>
        {url ? (
          <div className="row">
            <label className="sr-only" htmlFor="calendar-feed-url">
              Calendar feed URL
            </label>
            <input
              id="calendar-feed-url"
              className="feed-url"
              readOnly
              value={url}
              onFocus={(e) => e.target.select()}
            />
            <button type="button" className="primary" onClick={() => void copy()}>
              Copy link
            </button>
          </div>
        ) : null}
        {off ? <p className="muted">Your calendar link is turned off.</p> : null}
        {!url && !off && active ? (
          <p className="muted" data-testid="calendar-feed-status">
            Your calendar link is on (made {new Date(active).toLocaleDateString()}). It was shown when it was made;
            regenerate it to copy it again.
          </p>
        ) : null}
        <div className="row">
          <button type="button" onClick={make} disabled={feed.create.isPending}>
            {url || active ? "Regenerate link" : "Get calendar link"}
          </button>
          <button
            type="button"
            className="ghost"
            onClick={revoke}
            disabled={feed.revoke.isPending || (!url && !active)}
          >
            Turn off link
          </button>
        </div>
        <FormError message={feed.create.error ? messageOf(feed.create.error) : null} />
        <FormError message={feed.revoke.error ? messageOf(feed.revoke.error) : null} />
      </div>
    </Panel>
  );
}
