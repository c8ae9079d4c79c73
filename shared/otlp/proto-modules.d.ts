// `.proto` files are embedded as text imports (`with { type: "text" }`) so that compiled
// binaries need nothing beside them. Bun provides the text; this tells TypeScript.
declare module "*.proto" {
  const text: string;
  export default text;
}
