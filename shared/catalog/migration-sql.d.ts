// Lets TypeScript accept `import text from ".../0000_init.sql" with { type: "text" }`
// (drizzle-kit migrations embedded into the build; see migrations.embedded.ts).
declare module "*.sql" {
  const text: string;
  export default text;
}
