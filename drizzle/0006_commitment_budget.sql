ALTER TABLE `commitments` ADD `budget_rupiah` integer;--> statement-breakpoint
ALTER TABLE `commitments` ADD `funding_source` text DEFAULT '' NOT NULL;