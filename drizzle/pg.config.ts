/** drizzle-kit: generate the PostgreSQL migrations (`bun run db:generate`). */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./shared/catalog/schema.pg.ts",
  out: "./drizzle/pg",
});
