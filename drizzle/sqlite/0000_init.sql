CREATE TABLE `data_files` (
	`path` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`bucket` text NOT NULL,
	`table` text NOT NULL,
	`shard_id` integer NOT NULL,
	`min_time` text NOT NULL,
	`max_time` text NOT NULL,
	`rows` integer NOT NULL,
	`bytes` integer NOT NULL,
	`batch_ids` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `data_files_scope_time_idx` ON `data_files` (`org_id`,`bucket`,`table`,`min_time`,`max_time`);--> statement-breakpoint
CREATE TABLE `persisted_batches` (
	`batch_id` text NOT NULL,
	`path` text NOT NULL,
	PRIMARY KEY(`batch_id`, `path`),
	FOREIGN KEY (`path`) REFERENCES `data_files`(`path`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `persisted_batches_path_idx` ON `persisted_batches` (`path`);--> statement-breakpoint
CREATE TABLE `service_instances` (
	`id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`address` text NOT NULL,
	`capabilities` text NOT NULL,
	`meta` text NOT NULL,
	`started_at` integer NOT NULL,
	`last_seen` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `service_instances_role_last_seen_idx` ON `service_instances` (`role`,`last_seen`);--> statement-breakpoint
CREATE INDEX `service_instances_last_seen_idx` ON `service_instances` (`last_seen`);--> statement-breakpoint
CREATE TABLE `shard_map_epoch` (
	`id` integer PRIMARY KEY NOT NULL,
	`epoch` integer NOT NULL,
	CONSTRAINT "shard_map_epoch_single_row" CHECK("shard_map_epoch"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `shard_replicas` (
	`shard_id` integer NOT NULL,
	`instance_id` text NOT NULL,
	`rank` integer NOT NULL,
	PRIMARY KEY(`shard_id`, `rank`),
	FOREIGN KEY (`shard_id`) REFERENCES `shards`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `shard_replicas_instance_idx` ON `shard_replicas` (`instance_id`);--> statement-breakpoint
CREATE TABLE `shards` (
	`id` integer PRIMARY KEY NOT NULL,
	`epoch` integer NOT NULL
);
