/**
 * Loki's defaults for OTLP logs, as Loki documents them (docs "Ingesting logs to Loki using
 * OpenTelemetry Collector", and the flags of `pkg/loghttp/push/otlplabels/config.go` and
 * `pkg/validation/limits.go` in grafana/loki). Signalbox applies them at query time: the rows
 * keep every OTLP field, and these lists decide what a Loki client sees as what.
 */

/** Resource attributes Loki indexes as stream labels by default (`default_resource_attributes_as_index_labels`). */
export const INDEXED_RESOURCE_ATTRIBUTES: readonly string[] = [
  "service.name",
  "service.namespace",
  "service.instance.id",
  "deployment.environment",
  "deployment.environment.name",
  "cloud.region",
  "cloud.availability_zone",
  "k8s.cluster.name",
  "k8s.namespace.name",
  "k8s.pod.name",
  "k8s.container.name",
  "container.name",
  "k8s.replicaset.name",
  "k8s.deployment.name",
  "k8s.statefulset.name",
  "k8s.daemonset.name",
  "k8s.cronjob.name",
  "k8s.job.name",
];

export const SERVICE_NAME_LABEL = "service_name";
/** The service name of a stream that has none (Loki's wording). */
export const UNKNOWN_SERVICE = "unknown_service";

/**
 * Stream labels whose value becomes `service_name` when a stream has none, first match wins
 * (`validation.discover-service-name`).
 */
export const DISCOVER_SERVICE_NAME: readonly string[] = [
  "service",
  "app",
  "application",
  "app_name",
  "name",
  "app_kubernetes_io_name",
  "container",
  "container_name",
  "k8s_container_name",
  "component",
  "workload",
  "job",
  "k8s_job_name",
];

/** Structured metadata Loki adds to every entry with its detected level. */
export const DETECTED_LEVEL = "detected_level";

/** Fields a level is read from, first match wins (`validation.log-level-fields`). */
export const LEVEL_FIELDS: readonly string[] = [
  "level",
  "LEVEL",
  "Level",
  "log.level",
  "severity",
  "SEVERITY",
  "Severity",
  "SeverityText",
  "lvl",
  "LVL",
  "Lvl",
  "severity_text",
  "Severity_Text",
  "SEVERITY_TEXT",
];

/** How deep a JSON line is searched for a level field (`validation.log-level-from-json-max-depth`). */
export const LEVEL_FROM_JSON_MAX_DEPTH = 2;

/**
 * `resource_schema_url` of rows written by Loki push (`/loki/api/v1/push`): their resource
 * attributes are the pushed stream's labels, every one indexed, names as pushed; their log
 * attributes its structured metadata. Without the mark they would read back through the
 * OTLP defaults, which index only the list above.
 */
export const LOKI_PUSH_SCHEMA_URL = "signalbox:loki-push";
