/**
 * The columns every table carries for a row's resource and scope: the same bytes on every
 * row of one resource, so they are repeated-value columns (dictionaries on the wire).
 */
import { Int32Builder, RepeatedUtf8Column } from "./columns.ts";
import type { ResourceContext, ScopeContext } from "./context.ts";

export function contextColumns() {
  return {
    service_name: new RepeatedUtf8Column(),
    resource_attributes: new RepeatedUtf8Column(),
    resource_dropped_attributes_count: new Int32Builder(),
    resource_schema_url: new RepeatedUtf8Column(),
    scope_name: new RepeatedUtf8Column(),
    scope_version: new RepeatedUtf8Column(),
    scope_attributes: new RepeatedUtf8Column(),
    scope_dropped_attributes_count: new Int32Builder(),
    scope_schema_url: new RepeatedUtf8Column(),
  };
}

export type ContextColumns = ReturnType<typeof contextColumns>;

/** One row's resource and scope values. */
export function pushContext(c: ContextColumns, res: ResourceContext, scope: ScopeContext): void {
  c.service_name.pushBytes(res.serviceName);
  c.resource_attributes.pushBytes(res.attributes);
  c.resource_dropped_attributes_count.push(res.droppedAttributesCount);
  c.resource_schema_url.pushBytes(res.schemaUrl);
  c.scope_name.pushBytes(scope.name);
  c.scope_version.pushBytes(scope.version);
  c.scope_attributes.pushBytes(scope.attributes);
  c.scope_dropped_attributes_count.push(scope.droppedAttributesCount);
  c.scope_schema_url.pushBytes(scope.schemaUrl);
}

/** `n` rows of one resource and scope. */
export function pushContextRun(c: ContextColumns, res: ResourceContext, scope: ScopeContext, n: number): void {
  c.service_name.pushRun(res.serviceName, n);
  c.resource_attributes.pushRun(res.attributes, n);
  c.resource_dropped_attributes_count.pushRun(res.droppedAttributesCount, n);
  c.resource_schema_url.pushRun(res.schemaUrl, n);
  c.scope_name.pushRun(scope.name, n);
  c.scope_version.pushRun(scope.version, n);
  c.scope_attributes.pushRun(scope.attributes, n);
  c.scope_dropped_attributes_count.pushRun(scope.droppedAttributesCount, n);
  c.scope_schema_url.pushRun(scope.schemaUrl, n);
}

