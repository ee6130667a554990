import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations, from the generated twin of the model (scripts/pg-schema.ts). */
export default defineConfig({
	schema: './src/lib/server/db/schema.pg.ts',
	out: './drizzle/pg',
	dialect: 'postgresql'
});
