CREATE TABLE `beneficiary_counts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`report_id` integer NOT NULL,
	`area_code` text NOT NULL,
	`group` text NOT NULL,
	`count` integer NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `progress_reports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `commitment_sites` (
	`commitment_id` integer NOT NULL,
	`area_code` text NOT NULL,
	PRIMARY KEY(`commitment_id`, `area_code`),
	FOREIGN KEY (`commitment_id`) REFERENCES `commitments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `commitment_supporters` (
	`commitment_id` integer NOT NULL,
	`institution_id` integer NOT NULL,
	PRIMARY KEY(`commitment_id`, `institution_id`),
	FOREIGN KEY (`commitment_id`) REFERENCES `commitments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`institution_id`) REFERENCES `institutions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `commitments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`forum_id` integer NOT NULL,
	`programme_id` integer,
	`workshop_id` integer,
	`number` text NOT NULL,
	`statement` text NOT NULL,
	`type` text DEFAULT 'numeric' NOT NULL,
	`indicator` text DEFAULT '' NOT NULL,
	`unit` text DEFAULT '' NOT NULL,
	`baseline_value` real,
	`baseline_year` integer,
	`baseline_source` text DEFAULT '' NOT NULL,
	`target_value` real,
	`target_deadline` text,
	`direction` text DEFAULT 'up' NOT NULL,
	`lead_institution_id` integer,
	`component_id` integer,
	`status` text DEFAULT 'active' NOT NULL,
	`matrix_version_id` integer,
	`source_institution_id` integer,
	`source_component_id` integer,
	`target_derivation` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`forum_id`) REFERENCES `forums`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`programme_id`) REFERENCES `programmes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`workshop_id`) REFERENCES `workshops`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lead_institution_id`) REFERENCES `institutions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`matrix_version_id`) REFERENCES `matrix_versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `commitments_forum` ON `commitments` (`forum_id`);--> statement-breakpoint
CREATE INDEX `commitments_programme` ON `commitments` (`programme_id`);--> statement-breakpoint
CREATE TABLE `evidence_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`report_id` integer NOT NULL,
	`kind` text NOT NULL,
	`original_name` text NOT NULL,
	`mime_type` text DEFAULT '' NOT NULL,
	`size` integer DEFAULT 0 NOT NULL,
	`sha256` text DEFAULT '' NOT NULL,
	`url` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `progress_reports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `progress_reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`commitment_id` integer NOT NULL,
	`period_type` text NOT NULL,
	`period_year` integer NOT NULL,
	`period_index` integer NOT NULL,
	`realisation` real,
	`narrative` text DEFAULT '' NOT NULL,
	`obstacles` text DEFAULT '' NOT NULL,
	`follow_up` text DEFAULT '' NOT NULL,
	`flag` text DEFAULT 'on_track' NOT NULL,
	`reporter_name` text NOT NULL,
	`reporter_institution_id` integer,
	`submitted_at` integer NOT NULL,
	`verified_at` integer,
	`verified_by` integer,
	`verification_note` text,
	FOREIGN KEY (`commitment_id`) REFERENCES `commitments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reporter_institution_id`) REFERENCES `institutions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`verified_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `progress_reports_period` ON `progress_reports` (`commitment_id`,`period_type`,`period_year`,`period_index`);