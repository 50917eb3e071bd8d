/** A trace.dat that cannot be read: names the byte offset (the binary analogue of a line number). */
export class TraceDatError extends Error {
  constructor(readonly offset: number, message: string) {
    super(`trace.dat offset ${offset}: ${message}`);
  }
}
