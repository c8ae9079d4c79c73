/**
 * A fresh, empty PostgreSQL database per test (the real server at 127.0.0.1:5432; fails
 * loudly when it is unreachable). `drop()` forces out any connection left behind.
 */
import postgres from "postgres";

export const PG_SERVER = process.env.SIGNALBOX_TEST_PG ?? "postgres://postgres@127.0.0.1:5432";

export interface FreshPgDatabase {
  name: string;
  dsn: string;
  drop(): Promise<void>;
}

function admin() {
  return postgres(`${PG_SERVER}/postgres`, { max: 1, connect_timeout: 5, onnotice: () => {} });
}

export async function createFreshPgDatabase(prefix = "sb_test"): Promise<FreshPgDatabase> {
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const sql = admin();
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return {
    name,
    dsn: `${PG_SERVER}/${name}`,
    async drop() {
      const sql = admin();
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
