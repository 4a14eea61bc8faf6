export const USAGE = `tidings: event notification service for identity-verification and e-signature workflows

Usage:
  tidings serve [--role all|api|worker] [--port N] [--host H] [--config FILE]
  tidings migrate [--config FILE]
  tidings tenants create NAME [--config FILE]     prints the tenant id and its API key
  tidings tenants list [--config FILE]
  tidings workflows list [--config FILE]
  tidings workflows show NAME [--config FILE]
  tidings keys list [--config FILE]               signing keys and whether the JWKS publishes them
  tidings keys rotate [fit|default] [--config FILE]
                                                  new active SET signing key(s); old ones stay 7 days in the JWKS
  tidings keys reencrypt [--json] [--config FILE]
                                                  every stored secret sealed anew under the newest encryption key
  tidings quickstart [--config FILE]              a tenant, key and endpoint; one subject walked; its signed pushes received
  tidings openapi                                 prints the OpenAPI 3.1 document
  tidings help

Developer commands (talk to a running server: --url / TIDINGS_URL, default
http://127.0.0.1:8080, and --api-key / TIDINGS_API_KEY; --json for scripts):
  tidings listen --forward-to URL [--events T,...] [--format F] [--from-beginning] [--stream ID]
                                                  forwards this tenant's events to a local URL as signed pushes
  tidings events tail [--follow] [--subject ID] [--count N]
  tidings subjects show ID                        a subject and its verified timeline
  tidings endpoints list | create URL | test ID | rotate-secret ID
  tidings deliveries retry ID
  tidings replay --endpoint ID --since TIME|AGE [--all]
  tidings verify --request FILE --secret whsec_...  says which check of a saved push fails
Exit codes: 0 ok, 1 refused or not verified, 2 usage, 3 server unreachable,
4 API key refused, 5 not found (docs/cli.md).

Configuration comes from the environment (PORT, HOST, TIDINGS_DATA_DIR,
DATABASE_URL, TIDINGS_ADMIN_TOKEN, ...) over --config FILE / TIDINGS_CONFIG;
see tidings.config.default.yaml for every setting.
`;
