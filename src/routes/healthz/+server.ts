import type { RequestHandler } from './$types';

/**
 * The load balancer's health check: answers while this process serves requests. Deliberately
 * independent of Redis, so an outage there does not take the pages down with the live rooms.
 */
export const GET: RequestHandler = () =>
	new Response(JSON.stringify({ ok: true, instance: process.env.MUFAKAT_INSTANCE_ID ?? null }), {
		headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
	});
