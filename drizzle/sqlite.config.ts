/** drizzle-kit: generate the SQLite migrations (`bun run db:generate`). */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/catalog/schema.sqlite.ts",
  out: "./drizzle/sqlite",
});
