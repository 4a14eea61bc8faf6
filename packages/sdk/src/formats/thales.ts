import { type Infer, object, record, string, unknownValue } from './schema.js';

/**
 * Thales Perso Design Services image-checking push body (seed 004). Timestamps
 * are `yyyyMMddHHmmss` (UTC) or `""`; `RejectionCode` is `"00"` when Accepted,
 * `""` when Pending, the checker's code when Rejected.
 */
export const thalesNotificationSchema = object({
  ImageId: string(),
  Orientation: string(),
  ImageType: string(),
  ImageState: string(),
  RejectionCode: string(),
  SubmissionTimeStamp: string(),
  ImageCheckingTimeStamp: string(),
  DataCapture: record(unknownValue()),
});

export type ThalesNotification = Infer<typeof thalesNotificationSchema>;
