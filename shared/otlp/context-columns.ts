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
