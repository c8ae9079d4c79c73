/**
 * An error the engine finds while computing (duplicate output series, ambiguous vector matches,
 * a bad function argument). Query languages map it to their own execution error.
 */
export class SeriesEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeriesEngineError";
  }
}
