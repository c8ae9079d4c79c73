/**
 * Loading a shared library that is embedded in a compiled binary. A path inside the binary
 * (`/$bunfs/...`) cannot be handed to the dynamic loader, so the library is copied once to
 * a private cache folder — keyed by the embedded file's content-hashed name, so a new build
 * never reuses an old copy — and dlopen'ed from there.
 */
import { dlopen } from "bun:ffi";
import { lstatSync, mkdirSync, renameSync, unlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { NativeLibraryError } from "./errors.ts";

/** Libraries stay loaded for the life of the process; holding them keeps that explicit. */
const loaded = new Map<string, ReturnType<typeof dlopen>>();

/** Where unpacked libraries go, most specific first; the first usable one wins. */
export function cacheDirCandidates(env: Record<string, string | undefined> = process.env): string[] {
  const dirs: string[] = [];
  if (env.XDG_CACHE_HOME) dirs.push(join(env.XDG_CACHE_HOME, "signalbox"));
  const home = env.HOME ?? safeHomedir();
  if (home) dirs.push(join(home, ".cache", "signalbox"));
  // Per-user name: a shared temp folder must not let another user plant the library.
  dirs.push(join(tmpdir(), `signalbox-${process.getuid?.() ?? "user"}`));
  return dirs;
}

function safeHomedir(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined; // no home (e.g. a container user without one): the temp folder remains
  }
}

/** A folder we created or own, that is not a symlink someone else could redirect. */
function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${dir} belongs to uid ${stat.uid}, not ${uid}`);
}

/**
 * Copy `embeddedPath` to `<cache>/<its content-hashed name minus extension>/<fileName>`
 * unless an identical-size copy is already there; returns the path on disk.
 */
export async function unpackEmbeddedFile(embeddedPath: string, fileName: string, candidates = cacheDirCandidates()): Promise<string> {
  const source = Bun.file(embeddedPath);
  const size = source.size;
  const folder = basename(embeddedPath).replace(/\.[^.]*$/, "");
  const problems: string[] = [];
  for (const base of candidates) {
    const dir = join(base, folder);
    const target = join(dir, fileName);
    try {
      ensurePrivateDir(dir);
      const existing = Bun.file(target);
      if ((await existing.exists()) && existing.size === size) return target;
      // Write beside the target and rename: a concurrent start or a crash never leaves a
      // half-written library under the final name.
      const partial = `${target}.${process.pid}.partial`;
      try {
        await Bun.write(partial, source);
        renameSync(partial, target);
      } catch (err) {
        try {
          unlinkSync(partial);
        } catch {
          // the partial file may never have been created; the original error is what matters
        }
        throw err;
      }
      return target;
    } catch (err) {
      problems.push(`${dir}: ${(err as Error).message}`);
    }
  }
  throw new NativeLibraryError(`cannot unpack ${fileName} to any cache folder (${problems.join("; ")})`);
}

/**
 * dlopen a library file so that later loads naming its SONAME resolve to it. bun:ffi needs
 * at least one symbol: `probeSymbol`, a function without arguments returning a C string,
 * is bound (and thereby checked to exist) but not called.
 */
export function loadSharedLibrary(path: string, probeSymbol: string): void {
  if (loaded.has(path)) return;
  try {
    loaded.set(path, dlopen(path, { [probeSymbol]: { args: [], returns: "cstring" } }));
  } catch (err) {
    throw new NativeLibraryError(`cannot load ${path}: ${(err as Error).message}`, { cause: err });
  }
}
