/** RFC 8935 push (over an endpoint) or RFC 8936 poll (over a poll stream). */
export const SSF_METHODS = ['push', 'poll'] as const;
export type SsfMethod = (typeof SSF_METHODS)[number];

/** SSF 1.0 §8.1.2: what the transmitter does with the stream's events. */
export const SSF_STATUSES = ['enabled', 'paused', 'disabled'] as const;
export type SsfStatus = (typeof SSF_STATUSES)[number];

/** An OpenID Shared Signals stream of one tenant, as stored. */
export interface SsfStreamRecord {
  tenantId: string;
  /** The SSF `stream_id`. */
  id: string;
  method: SsfMethod;
  /** The endpoint (push) or poll stream (poll) that carries the stream's events. */
  carrierId: string;
  aud: string;
  description: string | null;
  /** Event-type URIs as the receiver asked for them. */
  eventsRequested: string[];
  status: SsfStatus;
  reason: string | null;
  /** When a verification event was last requested (`min_verification_interval`). */
  verifiedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A signed control SET (verification, stream-updated) waiting for a poll stream's poller. */
export interface ControlSet {
  jti: string;
  jws: string;
}

export interface SsfStorage {
  createStream(stream: SsfStreamRecord): Promise<void>;
  getStream(tenantId: string, id: string): Promise<SsfStreamRecord | null>;
  listStreams(tenantId: string): Promise<SsfStreamRecord[]>;
  /** False when the stream is gone. */
  updateStream(stream: SsfStreamRecord): Promise<boolean>;
  /** Deletes the stream and its waiting control SETs; false when it was not there. */
  deleteStream(tenantId: string, id: string): Promise<boolean>;
  /**
   * Records a verification request at `now` unless one was recorded after
   * `notBefore`: one statement, so two racing requests cannot both pass.
   */
  claimVerification(tenantId: string, id: string, now: string, notBefore: string): Promise<boolean>;
  addControlSet(tenantId: string, streamId: string, set: ControlSet, at: string): Promise<void>;
  /** The oldest waiting control SETs. */
  controlSets(tenantId: string, streamId: string, limit: number): Promise<ControlSet[]>;
  /** Drops acknowledged (or error-reported) control SETs; unknown jtis are ignored. */
  settleControlSets(tenantId: string, streamId: string, jtis: readonly string[]): Promise<void>;
}
