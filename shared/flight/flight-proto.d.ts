// Lets TypeScript accept `import text from ".../Flight.proto" with { type: "text" }`.
// Scoped to Flight.proto so it cannot clash with another folder's declaration of "*.proto".
declare module "*/Flight.proto" {
  const text: string;
  export default text;
}
