import { type Infer, integer, literal, object, optional, string } from './schema.js';

/**
 * OneSpan IDV transaction notification (seed 001). `@timestamp` is
 * `yyyy-MM-dd HH:mm:ss.SSS +0000`; `trigger` is `transaction_created` for `new`,
 * else `transaction_<status>`.
 */
export const onespanNotificationSchema = object({
  '@timestamp': string(),
  type: literal('notification'),
  transaction_id: string(),
  opaque_id: optional(string()),
  session_id: optional(string()),
  trigger: string(),
  status: string(),
  previous_status: optional(string()),
  role: optional(string()),
  message: optional(string()),
  tenant_id: string(),
  created: string(),
  status_changed: string(),
  version: integer(),
});

export type OnespanNotification = Infer<typeof onespanNotificationSchema>;
