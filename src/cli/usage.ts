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
  tidings quickstart [--config FILE]              a tenant, key and endpoint; one subject walked; its signed pushes received
  tidings openapi                                 prints the OpenAPI 3.1 document
  tidings help

Configuration comes from the environment (PORT, HOST, TIDINGS_DATA_DIR,
DATABASE_URL, TIDINGS_ADMIN_TOKEN, ...) over --config FILE / TIDINGS_CONFIG;
see tidings.config.default.yaml for every setting.
`;
