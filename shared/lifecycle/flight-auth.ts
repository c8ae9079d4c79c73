/**
 * Flight ports check the cluster secret and nothing else: they carry no bearer tokens. With
 * `auth.tokens` set (an operator asked for authentication) but no `cluster.secret`, every
 * Flight port would take writes for any org, serve any org's rows and run flushes for anyone
 * who can reach it, so no role may start that way: the configuration is refused like any
 * other invalid one, before a port opens.
 */
import type { Config } from "../config/index.ts";

/** The reason this configuration leaves the Flight ports open, or undefined when it does not. */
export function assertFlightSecured(config: Config): string | undefined {
  if (config.auth.tokens.length === 0 || config.cluster.secret !== undefined) return undefined;
  return (
    "auth.tokens is set but cluster.secret is not: the Flight ports (writer, querier, router) check only " +
    "the cluster secret, so without one they would serve and accept every org's data with no credentials. " +
    "Set SIGNALBOX_CLUSTER_SECRET to the same secret on every role."
  );
}
