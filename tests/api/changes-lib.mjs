/*
 * Helpers of the change feed suites (issue 7: changes*.test.mjs).
 */

import assert from 'node:assert/strict';

import { api, expectStatus } from './lib.mjs';

/*
 * The cursor before every event until retention deletes some: base64url
 * of "0.0".
 */
export const START = Buffer.from('0.0').toString('base64url');

/* A cursor's (tick, id) as BigInts. */
export function decode(cursor)
{
	const m = /^([0-9]+)\.([0-9]+)$/.exec(Buffer.from(cursor, 'base64url')
	    .toString('utf8'));
	assert.ok(m, `cursor ${cursor} decodes to tick.id`);
	return [BigInt(m[1]), BigInt(m[2])];
}

export function before(a, b)
{
	const [ta, ia] = decode(a), [tb, ib] = decode(b);
	return ta < tb || (ta === tb && ia < ib);
}

/* One page: the answer's JSON (status 200 asserted). */
export async function page(token, { after, types, limit } = {})
{
	const q = new URLSearchParams();
	if (after !== undefined)
		q.set('after', after);
	if (types !== undefined)
		q.set('types', types);
	if (limit !== undefined)
		q.set('limit', String(limit));
	const s = q.toString();
	const res = await api('GET', `/api/v1/changes${s ? `?${s}` : ''}`,
	    { token });
	expectStatus(res, 200);
	assert.ok(Array.isArray(res.json.events));
	assert.equal(typeof res.json.next, 'string');
	assert.equal(typeof res.json.has_more, 'boolean');
	return res.json;
}

/*
 * Every event after `after` (undefined: from the start), page by page:
 * { events, next, pages }.  Checks that the pages are in (tick, id)
 * order and that next is the last event's cursor (or, on an empty page,
 * the head: not before the cursor passed).
 */
export async function drain(token, { after, types, limit = 1000 } = {})
{
	const events = [];
	let cur = after, pages = 0;
	for (;;) {
		const p = await page(token, { after: cur, types, limit });
		pages++;
		assert.ok(p.events.length <= limit);
		for (const e of p.events) {
			if (events.length > 0)
				assert.ok(before(events[events.length - 1].cursor,
				    e.cursor), 'events in (tick, id) order');
			else if (cur !== undefined)
				assert.ok(before(cur, e.cursor),
				    'events after the cursor');
			events.push(e);
		}
		if (p.events.length > 0)
			assert.equal(p.next, p.events[p.events.length - 1].cursor);
		else if (cur !== undefined)
			assert.ok(!before(p.next, cur), 'nothing new: the head');
		if (!p.has_more)
			return { events, next: p.next, pages };
		assert.equal(p.events.length, limit, 'has_more on a full page');
		cur = p.next;
	}
}

/* The cursor after everything the caller sees now. */
export async function head(token)
{
	return (await drain(token)).next;
}
