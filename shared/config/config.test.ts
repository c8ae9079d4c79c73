import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, deprecatedKeyUses, discoveryTtlMs, loadConfig, validate, writeQuorum } from "./index.ts";
import { configTableMarkdown, exampleToml } from "./docs.ts";

const dir = mkdtempSync(join(tmpdir(), "sb-config-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("loading order: defaults → TOML → environment → flags", () => {
  test("defaults", async () => {
    const config = await loadConfig({ argv: [], env: {} });
    expect(config.discovery.catalog.dsn).toBe("sqlite::memory:");
    expect(config.discovery.heartbeat_interval).toBe(30_000);
    expect(discoveryTtlMs(config)).toBe(90_000);
    expect(config.sharding.shard_count).toBe(64);
    expect(config.storage.path).toBe("./data");
    expect(config.acceptor.grpc_port).toBe(4317);
    expect(config.router.http_port).toBe(3000);
    expect(writeQuorum(config)).toBe(1);
  });

  test("each layer wins over the one before", async () => {
    const toml = file("layers.toml", '[router]\nhttp_port = 4000\nflight_port = 4001\n[discovery]\ncache_ttl = "5s"\n[sharding]\nreplication_factor = 3\n');
    const config = await loadConfig({
      argv: ["--config", toml, "--router.flight_port=4003"],
      env: { SIGNALBOX_ROUTER_FLIGHT_PORT: "4002", SIGNALBOX_DISCOVERY_CACHE_TTL: "250ms" },
    });
    expect(config.router.http_port).toBe(4000);
    expect(config.discovery.cache_ttl).toBe(250);
    expect(config.router.flight_port).toBe(4003);
    expect(writeQuorum(config)).toBe(2);
  });

  test("environment names follow the dotted keys", async () => {
    const config = await loadConfig({
      argv: [],
      env: {
        SIGNALBOX_DISCOVERY_CATALOG_DSN: "postgres://postgres@127.0.0.1:5432/x",
        SIGNALBOX_DISCOVERY_NATS_STALE_AFTER: "2s",
        SIGNALBOX_AUTH_TOKENS: '[{"token":"abcdefgh1","org":"acme","scopes":["ingest"]}]',
      },
    });
    expect(config.discovery.catalog.dsn).toStartWith("postgres://");
    expect(config.discovery.nats.stale_after).toBe(2_000);
    expect(config.auth.tokens[0]!.org).toBe("acme");
  });
});

describe("invalid configuration names every bad key", () => {
  const problems = async (options: Parameters<typeof loadConfig>[0]) => {
    try {
      await loadConfig(options);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
    throw new Error("expected a ConfigError");
  };

  test("wrong types, bad durations, unknown keys and DSN schemes", async () => {
    const toml = file("bad.toml", '[writer]\nflight_port = "x"\nflush_interval = 10\n[router]\nbogus = 1\n');
    const found = await problems({ argv: ["--config", toml], env: { SIGNALBOX_DISCOVERY_CATALOG_DSN: "mysql://x" } });
    expect(found.some((p) => p.startsWith("writer.flight_port:"))).toBe(true);
    expect(found.some((p) => p.startsWith("writer.flush_interval:") && p.includes("duration"))).toBe(true);
    expect(found.some((p) => p.startsWith("router:") && p.includes("bogus"))).toBe(true);
    expect(found.some((p) => p.startsWith("discovery.catalog.dsn:") && p.includes("postgres://"))).toBe(true);
  });

  test("a missing file and broken TOML are reported, not thrown raw", async () => {
    expect((await problems({ argv: ["--config", join(dir, "nope.toml")], env: {} }))[0]).toContain("file not found");
    expect((await problems({ argv: ["--config", file("broken.toml", "[router\n")], env: {} }))[0]).toContain("not valid TOML");
  });

  test("unknown dotted flags are errors", async () => {
    expect((await problems({ argv: ["--router.nope=1"], env: {} }))[0]).toContain("unknown configuration key");
  });
});

describe("renamed keys: the old names still load, reported for a deprecation line", () => {
  test("each old name, from a file, the environment and a flag, lands on its new key", async () => {
    const toml = file("old.toml", '[acceptor]\nwrite_timeout = "3s"\n[router]\nhttp_port = 4000\ncache_ttl = "2s"\n');
    const config = await loadConfig({
      argv: ["--config", toml, "--router.max_result_rows=500"],
      env: { SIGNALBOX_ROUTER_QUERY_TIMEOUT: "7s" },
    });
    expect(config.write.timeout).toBe(3_000);
    expect(config.discovery.cache_ttl).toBe(2_000);
    expect(config.query.timeout).toBe(7_000);
    expect(config.query.max_result_rows).toBe(500);
    expect(config.router.http_port).toBe(4000);
    expect(deprecatedKeyUses(config)).toEqual([
      { key: "acceptor.write_timeout", replacement: "write.timeout", source: "file" },
      { key: "router.cache_ttl", replacement: "discovery.cache_ttl", source: "file" },
      { key: "router.query_timeout", replacement: "query.timeout", source: "environment" },
      { key: "router.max_result_rows", replacement: "query.max_result_rows", source: "flag" },
    ]);
  });

  test("the new name wins within a layer; a later layer wins whichever name it uses", async () => {
    const both = file("both.toml", '[router]\nquery_timeout = "1s"\n[query]\ntimeout = "2s"\n');
    expect((await loadConfig({ argv: ["--config", both], env: {} })).query.timeout).toBe(2_000);
    const newInFile = file("new.toml", '[query]\ntimeout = "2s"\n');
    const config = await loadConfig({ argv: ["--config", newInFile], env: { SIGNALBOX_ROUTER_QUERY_TIMEOUT: "9s" } });
    expect(config.query.timeout).toBe(9_000);
  });

  test("current names report nothing; validate() takes old names too", async () => {
    expect(deprecatedKeyUses(await loadConfig({ argv: [], env: { SIGNALBOX_QUERY_TIMEOUT: "5s" } }))).toEqual([]);
    const config = validate({ router: { cache_ttl: "1s" } });
    expect(config.discovery.cache_ttl).toBe(1_000);
    expect(deprecatedKeyUses(config)).toEqual([{ key: "router.cache_ttl", replacement: "discovery.cache_ttl", source: "override" }]);
  });

  test("a bad value under an old name names both names", async () => {
    try {
      await loadConfig({ argv: [], env: { SIGNALBOX_ACCEPTOR_WRITE_TIMEOUT: "soon" } });
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems[0]).toStartWith("write.timeout (set as acceptor.write_timeout): expected a duration");
    }
  });
});

describe("documentation follows the schema", () => {
  test("README has the current configuration table", async () => {
    const readme = await Bun.file(new URL("../../README.md", import.meta.url).pathname).text();
    expect(readme).toContain(configTableMarkdown());
  });

  test("signalbox.example.toml is current and loads to the defaults", async () => {
    const path = new URL("../../signalbox.example.toml", import.meta.url).pathname;
    expect(await Bun.file(path).text()).toBe(exampleToml());
    expect(await loadConfig({ argv: ["--config", path], env: {} })).toEqual(await loadConfig({ argv: [], env: {} }));
  });
});
