CREATE TABLE "manifest_scopes" (
	"org_id" text NOT NULL,
	"bucket" text NOT NULL,
	"table" text NOT NULL,
	"generation" integer NOT NULL,
	"last_removal" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "manifest_scopes_org_id_bucket_table_pk" PRIMARY KEY("org_id","bucket","table")
);
--> statement-breakpoint
ALTER TABLE "data_files" ADD COLUMN "generation" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "data_files_scope_generation_idx" ON "data_files" USING btree ("org_id","bucket","table","generation");