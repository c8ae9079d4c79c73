export { createLogger } from "./logger.ts";
export type { Logger, LogFields, LogFormat, LogLevel, LoggerOptions } from "./logger.ts";
