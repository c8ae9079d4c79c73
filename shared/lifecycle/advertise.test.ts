import { expect, test } from "bun:test";
import { hostname } from "node:os";
import { loadConfig } from "../config/index.ts";
import { advertisedAddress } from "./advertise.ts";

test("a concrete bound host is registered as bound", async () => {
  const config = await loadConfig({ argv: [], env: {} });
  expect(advertisedAddress(config, "127.0.0.1:4318")).toBe("127.0.0.1:4318");
});

test("a wildcard bind registers the host name, or server.advertise_host when set", async () => {
  const config = await loadConfig({ argv: [], env: {} });
  expect(advertisedAddress(config, "0.0.0.0:50061")).toBe(`${hostname()}:50061`);
  const advertised = await loadConfig({ argv: [], env: { SIGNALBOX_SERVER_ADVERTISE_HOST: "writer-1.internal" } });
  expect(advertisedAddress(advertised, "0.0.0.0:50061")).toBe("writer-1.internal:50061");
  expect(advertisedAddress(advertised, "[::]:50061")).toBe("writer-1.internal:50061");
});
