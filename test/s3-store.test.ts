/**
 * S3BlobStore against a real S3-compatible server (s3rver): the BlobStore contract, atomic
 * visibility of uploads, listing for the manifest rebuild, footer stubs by ranged GET, and a
 * server that dies in the middle of an upload.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openDuckDB } from "../shared/duckdb/index.ts";
import {
  BlobNotFoundError,
  InvalidBlobKeyError,
  InvalidStorageUrlError,
  LocalBlobStore,
  NotAParquetFileError,
  openBlobStore,
  parseStorageUrl,
  S3BlobStore,
  withFooterFile,
  writeFooterStub,
} from "../shared/storage/index.ts";
import { startFaultyProxy } from "./helpers/s3-faulty-proxy.ts";
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from "./helpers/s3-server.ts";
import { tempDir } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let s3: TestS3Server;
const dir = tempDir("s3-store");
const storeAt = (prefix: string, endpoint = s3.endpoint, extra: Partial<ConstructorParameters<typeof S3BlobStore>[0]> = {}) =>
  new S3BlobStore({ bucket: s3.bucket, prefix, endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS, ...extra });

beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(() => s3.dispose());

describe("S3BlobStore", () => {
  // Paged listing is not exercised: s3rver's continuation tokens use DES, which Bun's crypto lacks.
  test("put, get, ranged get, download, stat, sorted list by prefix, idempotent remove", async () => {
    const store = storeAt("t1/prefix");
    await store.put("o/b/traces/date=2025-01-01/hour=01/2.parquet", new Uint8Array([4]));
    await store.put("o/b/traces/date=2025-01-01/hour=00/1.parquet", new Uint8Array([1, 2, 3]));
    await store.put("o/b/logs/date=2025-01-01/hour=00/3.parquet", new Uint8Array([5, 6]));
    await store.put("o/bb/traces/x", new Uint8Array([7]));
    await storeAt("t1/other").put("o/b/traces/elsewhere", new Uint8Array([9]));
    expect(await store.get("o/b/logs/date=2025-01-01/hour=00/3.parquet")).toEqual(new Uint8Array([5, 6]));
    expect(await store.getRange("o/b/traces/date=2025-01-01/hour=00/1.parquet", 1, 2)).toEqual(new Uint8Array([2, 3]));
    const dest = join(dir, "downloaded");
    expect(await store.download("o/b/traces/date=2025-01-01/hour=00/1.parquet", dest)).toBe(3);
    expect(new Uint8Array(await Bun.file(dest).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    const info = await store.stat("o/b/traces/date=2025-01-01/hour=00/1.parquet");
    expect(info?.bytes).toBe(3);
    expect(Math.abs(info!.modifiedAt - Date.now())).toBeLessThan(60_000);
    expect(await store.stat("o/b/nothing")).toBeNull();
    expect((await store.list("o/b/traces/")).map((b) => b.key)).toEqual([
      "o/b/traces/date=2025-01-01/hour=00/1.parquet",
      "o/b/traces/date=2025-01-01/hour=01/2.parquet",
    ]);
    // Sorted (s3rver lists in no particular order) and inside the store's prefix only.
    expect((await store.list("")).map((b) => b.key)).toEqual([
      "o/b/logs/date=2025-01-01/hour=00/3.parquet",
      "o/b/traces/date=2025-01-01/hour=00/1.parquet",
      "o/b/traces/date=2025-01-01/hour=01/2.parquet",
      "o/bb/traces/x",
    ]);
    expect(await store.list("missing/")).toEqual([]);
    await store.remove("o/b/logs/date=2025-01-01/hour=00/3.parquet");
    await store.remove("o/b/logs/date=2025-01-01/hour=00/3.parquet");
    await expect(store.get("o/b/logs/date=2025-01-01/hour=00/3.parquet")).rejects.toThrow(BlobNotFoundError);
    await expect(store.getRange("nope", 0, 1)).rejects.toThrow(BlobNotFoundError);
    await expect(store.put("../escape", new Uint8Array())).rejects.toThrow(InvalidBlobKeyError);
    expect(store.localPath()).toBeUndefined();
  });

  test("putFile uploads a large file (multipart), verifies it, and only then consumes the local file", async () => {
    const store = storeAt("t2");
    const src = join(dir, "big.bin");
    const size = 24 * 1024 * 1024;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) data[i] = i % 251;
    await writeFile(src, data);
    await store.putFile("a/big.bin", src);
    expect(existsSync(src)).toBe(false);
    expect(await store.get("a/big.bin")).toEqual(data);
  });

  test("a server that dies mid-upload: the upload fails after its retries, nothing partial is visible, the local file is kept; it succeeds once the server is back", async () => {
    const proxy = startFaultyProxy(s3.port);
    try {
      const store = storeAt("t3", `http://127.0.0.1:${proxy.port}`, { retry: { attempts: 3, baseMs: 20, maxMs: 50 } });
      const direct = storeAt("t3");
      const src = join(dir, "mid.bin");
      const size = 8 * 1024 * 1024;
      await writeFile(src, new Uint8Array(size).fill(3));
      proxy.failAfterBytes(2 * 1024 * 1024);
      await expect(store.putFile("x/mid.bin", src)).rejects.toThrow();
      expect(proxy.forwarded).toBeGreaterThanOrEqual(1024 * 1024);
      expect(await direct.stat("x/mid.bin")).toBeNull();
      expect((await direct.list("")).length).toBe(0);
      expect(existsSync(src)).toBe(true);
      proxy.restore();
      await store.putFile("x/mid.bin", src);
      expect((await direct.stat("x/mid.bin"))?.bytes).toBe(size);
      expect(existsSync(src)).toBe(false);
    } finally {
      proxy.close();
    }
  });

  test("retries ride out a short outage", async () => {
    const proxy = startFaultyProxy(s3.port);
    try {
      const store = storeAt("t4", `http://127.0.0.1:${proxy.port}`, { retry: { attempts: 20, baseMs: 50, maxMs: 100 } });
      proxy.failAfterBytes(0);
      setTimeout(() => proxy.restore(), 300);
      await store.put("k", new Uint8Array([1, 2]));
      expect(await storeAt("t4").get("k")).toEqual(new Uint8Array([1, 2]));
    } finally {
      proxy.close();
    }
  });

  test("a remote Parquet footer is read through a stub fetched by ranged GETs", async () => {
    const store = storeAt("t5");
    const duck = await openDuckDB();
    try {
      const path = join(dir, "f.parquet");
      await duck.connection.run(
        `COPY (SELECT md5(i::VARCHAR) AS trace_id, i AS x FROM range(100000) t(i)) TO '${path}' (FORMAT parquet, KV_METADATA {k: 'v'})`,
      );
      await store.putFile("f.parquet", path);
      const [blob] = await store.list("");
      const kv = await withFooterFile(store, blob!, join(dir, "scratch"), async (stub) => {
        const r = await duck.connection.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${stub}')`);
        return r.getRowObjectsJS();
      });
      expect(kv).toEqual([{ k: "k", v: "v" }]);
      // A footer larger than the first tail GET is completed by a second one.
      const stubPath = join(dir, "stub.parquet");
      const stub = await writeFooterStub(store, "f.parquet", blob!.bytes, stubPath, 16);
      expect(stub.fetchedBytes).toBeGreaterThan(16);
      const rows = await duck.connection.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata('${stubPath}')`);
      expect(rows.getRowObjectsJS()).toEqual([{ num_rows: 100000n }]);
      // A partial object (a dev server such as s3rver exposes one while a PUT is in flight)
      // is refused, never read as a footer: the manifest rebuild skips it.
      const whole = await store.get("f.parquet");
      await store.put("partial.parquet", whole.subarray(0, whole.byteLength >> 1));
      const partial = (await store.stat("partial.parquet"))!;
      await expect(withFooterFile(store, partial, join(dir, "scratch"), async () => 1)).rejects.toThrow(NotAParquetFileError);
    } finally {
      duck.close();
    }
  });
});

describe("openBlobStore", () => {
  test("storage.url chooses the store; credentials fall back to S3_* / AWS_* variables", async () => {
    const local = openBlobStore({ storage: { path: dir, s3: {} } });
    expect(local).toBeInstanceOf(LocalBlobStore);
    expect((openBlobStore({ storage: { path: "/x", url: `file://${dir}`, s3: {} } }) as LocalBlobStore).root).toBe(dir);
    const remote = openBlobStore(
      { storage: { path: dir, url: `s3://${s3.bucket}/env/prefix/`, s3: {} } },
      undefined,
      { env: { S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" } },
    );
    expect(remote).toBeInstanceOf(S3BlobStore);
    await remote.put("k", new Uint8Array([1]));
    expect((await storeAt("env").list("")).map((b) => b.key)).toEqual(["prefix/k"]);
    expect(parseStorageUrl("s3://bkt", "/d")).toEqual({ kind: "s3", bucket: "bkt", prefix: "" });
    expect(() => parseStorageUrl("s3://B_ad/x", "/d")).toThrow(InvalidStorageUrlError);
    expect(() => parseStorageUrl("s3://bkt/a/../b", "/d")).toThrow(InvalidStorageUrlError);
  });
});
