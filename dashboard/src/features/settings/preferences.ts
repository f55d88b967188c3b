// Notification preferences: labels of the types and channels the API lists, and the PATCH body of the changes.
import type { Schemas } from "@/lib/api/client";

export type Preferences = Schemas["NotificationPreferences"]["preferences"];
export type PreferencesChanges = Schemas["PreferencesUpdate"];

const TYPE_LABELS: Record<string, string> = {
  task_assigned: "A task is assigned to me",
  task_reminder: "A task reminder is due",
  task_overdue: "A task of mine is overdue",
  mention: "Someone mentions me in a note",
  integration_attention: "A connected integration needs me to reconnect it",
  webhook_disabled: "A webhook endpoint was turned off after failing",
  support_access: "Support signs in to my workspace as me",
  usage_drift: "Usage counters disagree with the usage ledger (platform admins)",
  call_missed: "A call to one of our numbers was missed",
  call_handoff: "The AI receptionist hands a caller over to a person",
};
const CHANNEL_LABELS: Record<string, string> = { in_app: "In the app", email: "By email", sms: "By text" };

export const typeLabel = (type: string) => TYPE_LABELS[type] ?? type.replace(/_/g, " ");
export const channelLabel = (channel: string) => CHANNEL_LABELS[channel] ?? channel.replace(/_/g, " ");

/** Every channel any type has, in first-seen order: the table's columns. */
export function channelsOf(preferences: Preferences): string[] {
  return [...new Set(Object.values(preferences).flatMap((channels) => Object.keys(channels)))];
}

/** Only the types and channels switched since the last save. */
export function preferenceChanges(saved: Preferences, edited: Preferences): PreferencesChanges {
  const changes: Record<string, Record<string, boolean>> = {};
  for (const [type, channels] of Object.entries(edited)) {
    for (const [channel, on] of Object.entries(channels)) {
      if (saved[type]?.[channel] !== on) changes[type] = { ...changes[type], [channel]: on };
    }
  }
  return changes as PreferencesChanges;
}
