/*
 * The isolation matrix of the webhook routes (issue 7): every caller
 * (county user of the demo county, of the neighbouring county, township,
 * village, partner with every scope) x every route.  Only county users
 * are admitted (403 for the other roles, before anything is read); a
 * subscription of another county is not there (404, and a list lacks
 * it); a refused write leaves no audit row, a successful one leaves one.
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	FOREIGN, api, auditCount, expectFieldError, expectProblem,
	expectStatus, fixtures, psqlOwner, rid, tokenFor,
} from './lib.mjs';

const COUNTY = '330599';
const made = [];
let fx, W, D, etag;

const CALLERS = {
	county: () => tokenFor('county', { county: COUNTY }),
	county2: () => tokenFor('county', { county: FOREIGN.county }),
	township: () => tokenFor('township', { county: COUNTY,
	    township: fx.t1 }),
	village: () => tokenFor('village', { county: COUNTY, township: fx.t1,
	    village: fx.v1 }),
	partner: () => tokenFor('partner', { county: COUNTY,
	    scope: 'org:read coops:read funds:read personnel:read' +
	    ' changes:read dashboard:read bookings:write', townships: '*' }),
};

/* A dead delivery of W to replay (re-made before each use). */
function deadDelivery()
{
	psqlOwner(`update webhook_deliveries set status = 'dead',
	    attempts = 3, first_attempt_at = now() - interval '2 days'
	    where id = ${D}`);
}

before(async () => {
	fx = fixtures();
	const res = await api('POST', '/api/v1/webhooks', {
	    token: CALLERS.county(), body: { url: 'http://127.0.0.1:9/m',
	    types: ['hookmatrix_none'], status: 'disabled' } });
	expectStatus(res, 201);
	W = res.json.id;
	made.push(W);
	etag = res.headers.get('etag');
	D = Number(psqlOwner(`insert into webhook_deliveries (webhook_id,
	    county_code, event_id, entity_key, status)
	    values ('${W}', '${COUNTY}', 0, 'hookmatrix_none:x', 'dead')
	    returning id`));
});

after(() => {
	psqlOwner(`delete from webhooks where id in (${made.map((x) =>
	    `'${x}'`).join(',')})`);
});

const ROWS = [
	{ method: 'POST', name: '/api/v1/webhooks', ok: 201, write: true,
	    path: () => '/api/v1/webhooks',
	    body: () => ({ url: 'https://partner.example.com/m',
	    types: ['project'], status: 'disabled' }) },
	{ method: 'GET', name: '/api/v1/webhooks', list: true,
	    path: () => '/api/v1/webhooks?limit=200' },
	{ method: 'GET', name: '/api/v1/webhooks/{id}',
	    path: () => `/api/v1/webhooks/${W}` },
	{ method: 'PATCH', name: '/api/v1/webhooks/{id}', write: true,
	    path: () => `/api/v1/webhooks/${W}`,
	    body: () => ({ types: ['hookmatrix_none'] }), ifMatch: true },
	{ method: 'POST', name: '/api/v1/webhooks/{id}/rotate-secret',
	    write: true, path: () => `/api/v1/webhooks/${W}/rotate-secret` },
	{ method: 'GET', name: '/api/v1/webhooks/{id}/deliveries',
	    path: () => `/api/v1/webhooks/${W}/deliveries` },
	{ method: 'POST',
	    name: '/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay',
	    pre: deadDelivery,
	    path: () => `/api/v1/webhooks/${W}/deliveries/${D}/replay` },
	{ method: 'POST', name: '/api/v1/webhooks/{id}/replay-dead',
	    pre: deadDelivery,
	    path: () => `/api/v1/webhooks/${W}/replay-dead` },
];

for (const row of ROWS) {
	for (const who of Object.keys(CALLERS)) {
		test(`${row.method} ${row.name} as ${who}`, async () => {
			if (row.pre)
				row.pre();
			const id = rid('hm');
			const headers = { 'x-request-id': id };
			if (row.ifMatch)
				headers['if-match'] = etag;
			const res = await api(row.method, row.path(), {
			    token: CALLERS[who](), headers,
			    body: row.body?.() });
			if (who === 'township' || who === 'village' ||
			    who === 'partner') {
				expectProblem(res, 403);
				assert.equal(auditCount(id), 0);
				return;
			}
			if (who === 'county2') {
				if (row.list) {
					expectStatus(res, 200);
					assert.ok(!res.json.items.some((x) =>
					    x.id === W));
					assert.ok(res.json.items.every((x) =>
					    x.county === FOREIGN.county));
					return;
				}
				if (row.ok === 201) {
					/* Its own county: allowed. */
					expectStatus(res, 201);
					assert.equal(res.json.county,
					    FOREIGN.county);
					made.push(res.json.id);
					return;
				}
				expectProblem(res, 404);
				assert.equal(auditCount(id), 0);
				return;
			}
			expectStatus(res, row.ok ?? 200);
			if (row.ok === 201)
				made.push(res.json.id);
			if (row.ifMatch)
				etag = res.headers.get('etag');
			if (row.list)
				assert.ok(res.json.items.some((x) => x.id === W));
			if (row.write)
				assert.ok(auditCount(id) >= 1);
		});
	}
}

test('a county cannot aim a subscription at another county\'s township',
    async () => {
	expectFieldError(await api('POST', '/api/v1/webhooks', {
	    token: CALLERS.county2(), body: { url: 'https://a.example.com/x',
	    types: ['*'], township: fx.t1 } }), '/township');
	expectFieldError(await api('POST', '/api/v1/webhooks', {
	    token: CALLERS.county(), body: { url: 'https://a.example.com/x',
	    types: ['*'], township: FOREIGN.township } }), '/township');
});
