// The Numbers tab: pick one of the workspace's numbers, edit its voice settings, and place a test call to it.
import { useState } from "react";
import { Link } from "react-router";
import { EmptyState, Panel, QueryState, SelectField } from "@/components/ui";
import { usePhoneNumbers, useVoiceSettings } from "./api";
import { VoiceSettingsForm } from "./VoiceSettingsForm";
import { TestCallPanel } from "./TestCallPanel";

export function NumbersTab() {
  const numbers = usePhoneNumbers();
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <QueryState
      query={numbers}
      isEmpty={(page) => page.items.length === 0}
      empty={
        <>
          No phone numbers yet. <Link to="/settings/phone-numbers">Add a number</Link> to have the AI receptionist
          answer it.
        </>
      }
    >
      {(page) => {
        const numberId = chosen ?? page.items[0]?.id ?? "";
        return (
          <div className="stack">
            <div className="row">
              <SelectField label="Phone number" value={numberId} onChange={(e) => setChosen(e.target.value)}>
                {page.items.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.number}
                    {n.label ? ` · ${n.label}` : ""}
                  </option>
                ))}
              </SelectField>
            </div>
            <NumberVoice key={numberId} numberId={numberId} />
          </div>
        );
      }}
    </QueryState>
  );
}

function NumberVoice({ numberId }: { numberId: string }) {
  const settings = useVoiceSettings(numberId);
  if (!numberId) return <EmptyState>Choose a number.</EmptyState>;
  return (
    <div className="calls-numbers">
      <Panel title="Voice settings">
        <QueryState query={settings}>{(data) => <VoiceSettingsForm settings={data} />}</QueryState>
      </Panel>
      <TestCallPanel numberId={numberId} />
    </div>
  );
}
