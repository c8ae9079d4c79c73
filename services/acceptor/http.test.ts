import { expect, test } from "bun:test";
import { parseFormat } from "./http.ts";

test("parseFormat reads the media type and ignores parameters and case", () => {
  expect(parseFormat("application/x-protobuf")).toBe("protobuf");
  expect(parseFormat("application/protobuf")).toBe("protobuf");
  expect(parseFormat("Application/JSON; charset=utf-8")).toBe("json");
  expect(parseFormat("text/plain")).toBeUndefined();
  expect(parseFormat(null)).toBeUndefined();
  expect(parseFormat("")).toBeUndefined();
});
