/** A refusal with its HTTP status and a stable error code; the server answers { error: code, message }. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
