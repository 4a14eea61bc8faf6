/** The demo's clock: real time plus jumps, so a 14-day timer fires in a second and pushes still verify. */
export function demoClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    jump(ms: number) {
      offsetMs += ms;
    },
  };
}
