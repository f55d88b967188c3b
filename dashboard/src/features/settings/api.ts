// Server state of the settings screens: one query per resource (keys start with the resource's name) and the
// mutations that change them, each invalidating what it makes stale.
import { useMutation, useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { isApiError } from "@/lib/api/errors";

export type Workspace = Schemas["Workspace"];
export type Member = Schemas["Member"];
export type Invite = Schemas["Invite"];
export type ApiKey = Schemas["ApiKey"];
export type PhoneNumber = Schemas["PhoneNumber"];
export type SmsSettings = Schemas["SmsSettings"];
export type EmailSender = Schemas["EmailSender"];

const PAGE = { query: { limit: 200 } };

export const settingsKeys = {
  workspace: ["workspace"] as const,
  members: ["members"] as const,
  invites: ["invites"] as const,
  apiKeys: ["api-keys"] as const,
  phoneNumbers: ["phone-numbers"] as const,
  messaging: ["settings", "messaging"] as const,
  sender: ["settings", "email-sender"] as const,
  usage: ["usage"] as const,
  preferences: ["notifications", "preferences"] as const,
};

/** A mutation whose success makes these queries stale. */
function useChange<TBody, TResult>(fn: (body: TBody) => Promise<TResult>, stale: QueryKey[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all(stale.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}

export const useWorkspace = () =>
  useQuery({ queryKey: settingsKeys.workspace, queryFn: () => unwrap(api.GET("/workspace")) });

export const useUpdateWorkspace = () =>
  useChange(
    (body: Schemas["WorkspaceUpdate"]) => unwrap(api.PATCH("/workspace", { body })),
    [
      settingsKeys.workspace,
      ["me"], // the top bar shows the workspace's name
    ],
  );

export const useMembers = () =>
  useQuery({ queryKey: settingsKeys.members, queryFn: () => unwrap(api.GET("/workspace/members", { params: PAGE })) });

export const useChangeRole = () =>
  useChange(
    ({ userId, role }: { userId: string; role: Member["role"] }) =>
      unwrap(api.PATCH("/workspace/members/{user_id}", { params: { path: { user_id: userId } }, body: { role } })),
    [settingsKeys.members],
  );

export const useRemoveMember = () =>
  useChange(
    (userId: string) => unwrap(api.DELETE("/workspace/members/{user_id}", { params: { path: { user_id: userId } } })),
    [settingsKeys.members],
  );

export const useInvites = () =>
  useQuery({
    queryKey: settingsKeys.invites,
    queryFn: () => unwrap(api.GET("/workspace/invites", { params: PAGE })),
    retry: (count, error) => !isApiError(error, 403) && count < 2,
  });

export const useCreateInvite = () =>
  useChange(
    (body: Schemas["InviteCreate"]) => unwrap(api.POST("/workspace/invites", { body })),
    [settingsKeys.invites],
  );

export const useRevokeInvite = () =>
  useChange(
    (inviteId: string) =>
      unwrap(api.DELETE("/workspace/invites/{invite_id}", { params: { path: { invite_id: inviteId } } })),
    [settingsKeys.invites],
  );

export const useApiKeys = () =>
  useQuery({
    queryKey: settingsKeys.apiKeys,
    queryFn: () => unwrap(api.GET("/workspace/api-keys", { params: PAGE })),
    retry: (count, error) => !isApiError(error, 403) && count < 2,
  });

export const useCreateApiKey = () =>
  useChange(
    (body: Schemas["ApiKeyCreate"]) => unwrap(api.POST("/workspace/api-keys", { body })),
    [settingsKeys.apiKeys],
  );

export const useRevokeApiKey = () =>
  useChange(
    (keyId: string) => unwrap(api.DELETE("/workspace/api-keys/{key_id}", { params: { path: { key_id: keyId } } })),
    [settingsKeys.apiKeys],
  );

export const usePhoneNumbers = () =>
  useQuery({ queryKey: settingsKeys.phoneNumbers, queryFn: () => unwrap(api.GET("/phone-numbers", { params: PAGE })) });

export const useAddPhoneNumber = () =>
  useChange(
    (body: Schemas["PhoneNumberCreate"]) => unwrap(api.POST("/phone-numbers", { body })),
    [settingsKeys.phoneNumbers],
  );

export const useDeletePhoneNumber = () =>
  useChange(
    (numberId: string) =>
      unwrap(api.DELETE("/phone-numbers/{number_id}", { params: { path: { number_id: numberId } } })),
    [settingsKeys.phoneNumbers],
  );

export const useMessagingSettings = () =>
  useQuery({ queryKey: settingsKeys.messaging, queryFn: () => unwrap(api.GET("/messaging/settings")) });

export const useUpdateMessagingSettings = () =>
  useChange(
    (body: Schemas["MessagingSettings"]) => unwrap(api.PUT("/messaging/settings", { body })),
    [settingsKeys.messaging],
  );

/** The sender, or null while the workspace has none (the API answers 404 then). */
export const useEmailSender = () =>
  useQuery({
    queryKey: settingsKeys.sender,
    queryFn: async (): Promise<EmailSender | null> => {
      try {
        return await unwrap(api.GET("/email/sender"));
      } catch (error) {
        if (isApiError(error, 404)) return null;
        throw error;
      }
    },
  });

export const useSetEmailSender = () =>
  useChange((body: Schemas["Sender"]) => unwrap(api.PUT("/email/sender", { body })), [settingsKeys.sender]);

export const useUsage = () => useQuery({ queryKey: settingsKeys.usage, queryFn: () => unwrap(api.GET("/usage")) });

export const useSetUsageLimits = () =>
  useChange((body: Schemas["UsageLimits"]) => unwrap(api.PUT("/usage/limits", { body })), [settingsKeys.usage]);

export const usePreferences = () =>
  useQuery({ queryKey: settingsKeys.preferences, queryFn: () => unwrap(api.GET("/notifications/preferences")) });

export const useUpdatePreferences = () =>
  useChange(
    (body: Schemas["PreferencesUpdate"]) => unwrap(api.PATCH("/notifications/preferences", { body })),
    [settingsKeys.preferences],
  );
