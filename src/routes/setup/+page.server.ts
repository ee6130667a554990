import { getDb } from '$lib/server/db/client';
import { isSetupPending } from '$lib/server/accounts/setup';
import type { PageServerLoad } from './$types';

/** Without the token: only where to find it (the server's console), or that set-up is done. */
export const load: PageServerLoad = async () => ({ pending: await isSetupPending(getDb()) });
