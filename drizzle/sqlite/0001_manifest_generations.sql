CREATE TABLE `manifest_scopes` (
	`org_id` text NOT NULL,
	`bucket` text NOT NULL,
	`table` text NOT NULL,
	`generation` integer NOT NULL,
	`last_removal` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`org_id`, `bucket`, `table`)
);
--> statement-breakpoint
ALTER TABLE `data_files` ADD `generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `data_files_scope_generation_idx` ON `data_files` (`org_id`,`bucket`,`table`,`generation`);