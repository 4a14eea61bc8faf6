/** An endpoint's OAuth 2.0 access token as every worker shares it. */
export interface StoredToken {
  endpointId: string;
  /** The endpoint's `updatedAt` it was fetched for: a changed endpoint (new client secret) needs a new one. */
  version: number;
  accessToken: string;
  /** Epoch ms when it expires (the authorization server's `expires_in`, or a default lifetime). */
  expiresAt: number;
}

/**
 * Where workers share the tokens they fetch (the delivery store, on either
 * backend; the sealed store seals `accessToken` like an endpoint secret). One
 * worker claims the fetch of an endpoint's next token; the others wait for it
 * to be saved, so N workers make one token request per expiry window.
 */
export interface TokenStore {
  /** The endpoint's stored token, whoever fetched it; `null` when there is none. */
  readToken(endpointId: string): Promise<StoredToken | null>;
  /**
   * Takes the right to fetch the endpoint's next token until `untilMs`; false
   * while another worker's claim runs (a claim of a worker that died lapses).
   */
  claimTokenFetch(endpointId: string, nowMs: number, untilMs: number): Promise<boolean>;
  /** Stores a fetched token and ends the claim. */
  saveToken(token: StoredToken): Promise<void>;
  /** Ends a claim without a token (the fetch failed), so the next try may claim at once. */
  releaseTokenFetch(endpointId: string): Promise<void>;
  /** Every stored token, as stored (sealed): `tidings keys reencrypt` seals them anew. */
  listTokens(): Promise<StoredToken[]>;
  /** Replaces a stored token's (sealed) value, nothing else; false when the endpoint has none. */
  updateTokenValue(endpointId: string, accessToken: string): Promise<boolean>;
}
