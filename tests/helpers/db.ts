import { openDatabase, type Db } from '../../src/lib/server/db/client';

/** A fresh in-memory database with the real, committed migrations applied. */
export async function memoryDb(): Promise<Db> {
	return openDatabase(':memory:');
}
