CREATE TABLE `retired_files` (
	`path` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`bucket` text NOT NULL,
	`table` text NOT NULL,
	`bytes` integer NOT NULL,
	`retired_at` integer NOT NULL,
	`reason` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `retired_files_retired_at_idx` ON `retired_files` (`retired_at`);