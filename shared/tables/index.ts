/**
 * The table contract: the Arrow schemas of the three signal tables (traces, logs, metrics),
 * their time column and sort order, the Flight wire form (repeated columns as dictionaries,
 * and back), and the dedicated attribute columns of spans. Every role reads and writes rows in
 * these shapes; this folder imports nothing of Signalbox's.
 */
export * from "./tables.ts";
export {
  contractColumns, contractSchemaOf, hasDictionaryColumns, REPEATED_COLUMNS, SERIES_COLUMNS, seriesWireSchema, toPlainBatch, wireSchema, wireSchemaProblem, WireFormError,
} from "./wire-form.ts";
export { expandUtf8, RepeatedUtf8Column, utf8Data } from "./repeated-column.ts";
export { DEDICATED_COLUMNS, DEDICATED_SPAN_ATTRIBUTES } from "./dedicated-attributes.ts";
export { DedicatedValues, hasDedicatedColumns, withDedicatedColumns, withDedicatedSchema } from "./dedicated-columns.ts";
export { storedTimeProblem, TIME_COLUMNS } from "./time-bounds.ts";
export { firstNegativeRow, int64Words, Int64WordRange, wordsToBigInt } from "./int64-words.ts";
export { isRestoredDictionary, narrowSchema, OMITTED_COLUMNS_KEY, OmittedColumnsError, restoreOmitted, type OmittedValue } from "./omitted-columns.ts";
export { columnsAtDefault, FILE_COLUMN_DEFAULTS, fillDefaults } from "./file-defaults.ts";
export { DERIVED_COLUMNS, derivedColumn, fillDerived, type DerivedColumn } from "./derived-columns.ts";
