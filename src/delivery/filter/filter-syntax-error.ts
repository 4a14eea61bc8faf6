/** A filter that cannot be parsed; `position` is the 0-based offset of the fault in the text. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`at position ${position}: ${reason}`);
    this.name = 'FilterSyntaxError';
  }
}
