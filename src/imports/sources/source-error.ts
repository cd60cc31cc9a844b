/** A source (S3, Snowflake) answered with an error: its HTTP status, its own code, and its message. */
export class SourceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
