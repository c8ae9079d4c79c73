// Lets TypeScript accept `import("…/libduckdb.so", { with: { type: "file" } })`: a file import
// yields the path of the file (inside the binary when compiled).
declare module "*.so" {
  const path: string;
  export default path;
}
