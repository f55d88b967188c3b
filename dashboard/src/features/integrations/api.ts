// Server state of the integrations screen: the catalogue (one query) and the changes that make it stale.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Integration = Schemas["IntegrationCatalogue.entry"];
export type Provider = Schemas["OauthStart"]["provider"];
export type TwilioCredentials = Schemas["TwilioCredentials"];
export type OpenAiCredentials = Schemas["OpenaiCredentials"];
export type CallbackBody = Schemas["OauthCallback"];

export const integrationKeys = { all: ["integrations"] as const };

export const useIntegrations = () =>
  useQuery({ queryKey: integrationKeys.all, queryFn: () => unwrap(api.GET("/integrations")) });

function useInvalidating<TBody, TResult>(fn: (body: TBody) => Promise<TResult>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: integrationKeys.all }),
  });
}

/** Ask for the provider's consent URL; the caller sends the browser there. */
export const useStartConnect = () =>
  useMutation({
    mutationFn: (provider: Provider) => unwrap(api.POST("/integrations/oauth/start", { body: { provider } })),
  });

export const useCompleteConnect = () =>
  useInvalidating((body: CallbackBody) => unwrap(api.POST("/integrations/oauth/callback", { body })));

export const useDisconnect = () =>
  useInvalidating((connectionId: string) =>
    unwrap(
      api.DELETE("/integrations/oauth/connections/{connection_id}", {
        params: { path: { connection_id: connectionId } },
      }),
    ),
  );

export const useSaveTwilio = () =>
  useInvalidating((body: TwilioCredentials) => unwrap(api.PUT("/integrations/twilio/credentials", { body })));

export const useRemoveTwilio = () => useInvalidating(() => unwrap(api.DELETE("/integrations/twilio/credentials")));

export const useSaveOpenAi = () =>
  useInvalidating((body: OpenAiCredentials) => unwrap(api.PUT("/integrations/openai/credentials", { body })));

export const useRemoveOpenAi = () => useInvalidating(() => unwrap(api.DELETE("/integrations/openai/credentials")));
