/**
 * The address other instances should dial. A listener bound to 0.0.0.0 (containers) is
 * reachable, but "0.0.0.0:50061" is not an address a peer can use: register
 * `server.advertise_host` instead, or the machine's host name.
 */
import { hostname } from "node:os";
import type { Config } from "../config/index.ts";

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]", ""]);

export function advertisedAddress(config: Config, boundAddress: string): string {
  const colon = boundAddress.lastIndexOf(":");
  const host = boundAddress.slice(0, colon);
  const port = boundAddress.slice(colon + 1);
  const advertised = config.server.advertise_host ?? (WILDCARDS.has(host) ? hostname() : host);
  return `${advertised.includes(":") && !advertised.startsWith("[") ? `[${advertised}]` : advertised}:${port}`;
}
