/**
 * The demo's clock: real time shifted by `startOffsetMs`, plus jumps, so a
 * 14-day timer fires in a second while every party (server, receiver, SDK
 * checks) reads the same time. The demo starts 14 days in the past and its
 * jump lands on the real now, so what a person does afterwards is at real time.
 */
export function demoClock(startOffsetMs = 0) {
  let offsetMs = startOffsetMs;
  return {
    now: () => new Date(Date.now() + offsetMs),
    jump(ms: number) {
      offsetMs += ms;
    },
  };
}
