/**
 * A real S3-compatible server for tests: s3rver, in this process, on port 0 with its own
 * temp folder and one bucket. `stop()` + `start()` keep the port and the folder, so an
 * outage looks to clients exactly like a restarting S3 endpoint.
 */
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tempDir } from "./role-process.ts";

export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface TestS3Server {
  readonly bucket: string;
  readonly port: number;
  readonly endpoint: string;
  readonly directory: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
  /** `SIGNALBOX_*` variables for a role that stores under `s3://bucket/prefix`. */
  roleEnv(prefix: string, endpoint?: string): Record<string, string>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

// s3rver ships no type declarations: load it untyped and state the little we use.
const S3rver = createRequire(import.meta.url)("s3rver") as new (opts: object) => S3rverInstance;

export async function startS3Server(bucket = "signalbox-test"): Promise<TestS3Server> {
  const directory = tempDir("s3rver");
  let port = 0;
  let server: S3rverInstance | undefined;
  const start = async () => {
    server = new S3rver({ port, address: "127.0.0.1", directory, silent: true, configureBuckets: [{ name: bucket }] });
    port = (await server.run()).port;
  };
  await start();
  const self: TestS3Server = {
    bucket,
    get port() {
      return port;
    },
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    directory,
    get running() {
      return server !== undefined;
    },
    start,
    async stop() {
      const s = server;
      server = undefined;
      await s?.close();
    },
    async dispose() {
      await self.stop();
      rmSync(directory, { recursive: true, force: true });
    },
    roleEnv(prefix: string, endpoint = self.endpoint) {
      return {
        SIGNALBOX_STORAGE_URL: `s3://${bucket}/${prefix}`,
        SIGNALBOX_STORAGE_S3_ENDPOINT: endpoint,
        SIGNALBOX_STORAGE_S3_REGION: "us-east-1",
        SIGNALBOX_STORAGE_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        SIGNALBOX_STORAGE_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      };
    },
  };
  return self;
}
