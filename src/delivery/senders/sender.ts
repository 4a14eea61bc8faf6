import type { SendResult } from '../attempt-outcome.js';
import type { EndpointRecord } from '../endpoint.js';
import type { PreparedPush } from '../prepare-push.js';

/**
 * Step 2 of a push, whatever carries it: an HTTP POST, a broker publish.
 * `deliverOne` only sees this: prepare → send → record, and neither store
 * knows which sender ran. A sender never throws for a failed try; it answers
 * with an error result so the try is recorded and retried like any other.
 */
export interface Sender {
  send(push: PreparedPush, endpoint: EndpointRecord): Promise<SendResult>;
  /** Closes the connections it pooled (shutdown). */
  close(): Promise<void>;
}
