import { expect, test } from "bun:test";
import { openDuckDB } from "../../../../shared/duckdb/index.ts";
import { int32Column } from "./sample-columns.ts";

// fixedWidth keeps the buffer vector_get_data answers without copying it again: that is only
// sound while the bindings answer a copy of their own, never a view of DuckDB's vector, which
// is freed with its chunk. An upgrade of @duckdb/node-bindings that changed it fails here.
test("a chunk's column read twice gives two buffers, and a write to one leaves the other", async () => {
  const handle = await openDuckDB();
  try {
    const result = await handle.connection.stream("SELECT range::INTEGER AS n FROM range(100)");
    const chunk = (await result.fetchChunk())!;
    const first = int32Column(chunk, 0, 100);
    const second = int32Column(chunk, 0, 100);
    expect(first.buffer).not.toBe(second.buffer);
    first[5] = -1;
    expect(second[5]).toBe(5);
    expect(int32Column(chunk, 0, 100)[5]).toBe(5);
  } finally {
    handle.close();
  }
});
