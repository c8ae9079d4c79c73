/** Spawns catalog child processes (see catalog-child.ts) and releases them all at once. */
import { join } from "node:path";

export interface ChildOutcome {
  exitCode: number;
  /** The child's last stdout line, parsed; undefined when it printed none. */
  result: unknown;
  stderr: string;
}

/** The part of a stream reader used here (Bun's and node:stream/web's types differ). */
interface ChunkReader {
  read(): Promise<{ value?: Uint8Array; done: boolean }>;
}

/** Reads a child's stdout until its "ready" line, keeping the reader for the rest. */
async function untilReady(reader: ChunkReader): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
  return text.slice(text.indexOf("ready\n") + "ready\n".length);
}

async function rest(reader: ChunkReader, start: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = start;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

export async function runTogether(script: string, argsPerChild: string[][]): Promise<ChildOutcome[]> {
  const path = join(import.meta.dir, script);
  const children = argsPerChild.map((args) =>
    Bun.spawn([process.execPath, path, ...args], { stdin: "pipe", stdout: "pipe", stderr: "pipe" }),
  );
  const readers = children.map((child) => child.stdout.getReader());
  const afterReady = await Promise.all(readers.map(untilReady));
  for (const child of children) child.stdin.end();
  return Promise.all(
    children.map(async (child, i) => {
      const [stdout, stderr, exitCode] = await Promise.all([
        rest(readers[i]!, afterReady[i]!),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      const last = stdout.trim().split("\n").at(-1);
      let result: unknown;
      try {
        result = last ? JSON.parse(last) : undefined;
      } catch {
        result = undefined;
      }
      return { exitCode, result, stderr };
    }),
  );
}
