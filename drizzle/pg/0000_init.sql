CREATE TABLE "data_files" (
	"path" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"bucket" text NOT NULL,
	"table" text NOT NULL,
	"shard_id" integer NOT NULL,
	"min_time" bigint NOT NULL,
	"max_time" bigint NOT NULL,
	"rows" bigint NOT NULL,
	"bytes" bigint NOT NULL,
	"batch_ids" jsonb NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "persisted_batches" (
	"batch_id" text NOT NULL,
	"path" text NOT NULL,
	CONSTRAINT "persisted_batches_batch_id_path_pk" PRIMARY KEY("batch_id","path")
);
--> statement-breakpoint
CREATE TABLE "service_instances" (
	"id" text PRIMARY KEY NOT NULL,
	"role" text NOT NULL,
	"address" text NOT NULL,
	"capabilities" jsonb NOT NULL,
	"meta" jsonb NOT NULL,
	"started_at" bigint NOT NULL,
	"last_seen" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shard_map_epoch" (
	"id" integer PRIMARY KEY NOT NULL,
	"epoch" integer NOT NULL,
	CONSTRAINT "shard_map_epoch_single_row" CHECK ("shard_map_epoch"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "shard_replicas" (
	"shard_id" integer NOT NULL,
	"instance_id" text NOT NULL,
	"rank" integer NOT NULL,
	CONSTRAINT "shard_replicas_shard_id_rank_pk" PRIMARY KEY("shard_id","rank")
);
--> statement-breakpoint
CREATE TABLE "shards" (
	"id" integer PRIMARY KEY NOT NULL,
	"epoch" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "persisted_batches" ADD CONSTRAINT "persisted_batches_path_data_files_path_fk" FOREIGN KEY ("path") REFERENCES "public"."data_files"("path") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shard_replicas" ADD CONSTRAINT "shard_replicas_shard_id_shards_id_fk" FOREIGN KEY ("shard_id") REFERENCES "public"."shards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "data_files_scope_time_idx" ON "data_files" USING btree ("org_id","bucket","table","min_time","max_time");--> statement-breakpoint
CREATE INDEX "persisted_batches_path_idx" ON "persisted_batches" USING btree ("path");--> statement-breakpoint
CREATE INDEX "service_instances_role_last_seen_idx" ON "service_instances" USING btree ("role","last_seen");--> statement-breakpoint
CREATE INDEX "service_instances_last_seen_idx" ON "service_instances" USING btree ("last_seen");--> statement-breakpoint
CREATE INDEX "shard_replicas_instance_idx" ON "shard_replicas" USING btree ("instance_id");