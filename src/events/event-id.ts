import { v7 } from 'uuid';

/** Time-ordered UUID (RFC 9562 v7): ids sort roughly by creation time. */
export function newEventId(): string {
  return v7();
}
