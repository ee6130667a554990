CREATE TABLE `collab_snapshots` (
	`room` text PRIMARY KEY NOT NULL,
	`data` blob NOT NULL,
	`up_to_id` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `collab_updates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`room` text NOT NULL,
	`data` blob NOT NULL
);
--> statement-breakpoint
CREATE INDEX `collab_updates_room` ON `collab_updates` (`room`,`id`);--> statement-breakpoint
CREATE TABLE `matrix_cells` (
	`version_id` integer NOT NULL,
	`institution_id` integer NOT NULL,
	`component_id` integer NOT NULL,
	`institution_name` text NOT NULL,
	`component_name` text NOT NULL,
	`sector` text NOT NULL,
	`type` text NOT NULL,
	`description` text NOT NULL,
	`sites` text NOT NULL,
	`timing` text NOT NULL,
	`volume` real,
	`unit` text NOT NULL,
	`value_rupiah` real,
	`funding_source` text NOT NULL,
	PRIMARY KEY(`version_id`, `institution_id`, `component_id`),
	FOREIGN KEY (`version_id`) REFERENCES `matrix_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `matrix_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workshop_id` integer NOT NULL,
	`version` integer NOT NULL,
	`content_hash` text NOT NULL,
	`content` text NOT NULL,
	`frozen_at` integer NOT NULL,
	`frozen_by` integer,
	`superseded_at` integer,
	FOREIGN KEY (`workshop_id`) REFERENCES `workshops`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`frozen_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `matrix_versions_unique` ON `matrix_versions` (`workshop_id`,`version`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
