/*
 * The isolation matrix of the change feed (issue 7): every caller
 * (county, another county, township, village, partner with changes:read
 * for the county or for one township, a partner of the other county, a
 * partner without the scope) x the tenants it addresses (own; foreign:
 * another township of the county or another county).  The feed is a
 * list: an admitted caller gets 200 and its own tenant's events, and a
 * foreign tenant's events are not in it; a role the route does not
 * admit gets 403.
 *
 * Tenants: A and B scratch townships of the demo county, C of the
 * neighbouring county 330600; each gets an origin unit (an event)
 * through the API by its own officer, after every caller noted its head.
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	FOREIGN, api, expectProblem, fixtures, rid, tokenFor,
} from './lib.mjs';
import { drain, head } from './changes-lib.mjs';
import { township } from './personnel-lib.mjs';

const cleanups = [];
const ctx = { after: (fn) => cleanups.push(fn) };
const T = {};
const HEAD = {};

/* Township codes are known only after setup: tokens are built lazily. */
const CALLERS = {
	county: { tenants: { own: 'A', foreign: 'C' },
	    token: () => tokenFor('county', { county: '330599' }) },
	county2: { tenants: { own: 'C', foreign: 'A' },
	    token: () => tokenFor('county', { county: FOREIGN.county }) },
	township: { tenants: { own: 'A', foreign: 'B', otherCounty: 'C' },
	    token: () => tokenFor('township', { county: '330599',
	    township: T.A.code }) },
	village: { deny: 403, tenants: { own: 'A', foreign: 'B' },
	    token: () => tokenFor('village', { county: '330599',
	    township: T.A.code, village: T.A.villages[0] }) },
	partner: { tenants: { own: 'A', foreign: 'C' },
	    token: () => tokenFor('partner', { county: '330599',
	    scope: 'changes:read', townships: '*' }) },
	partner_granted: { tenants: { own: 'A', foreign: 'B',
	    otherCounty: 'C' },
	    token: () => tokenFor('partner', { county: '330599',
	    scope: 'org:read changes:read', townships: [T.A.code] }) },
	partner2: { tenants: { own: 'C', foreign: 'A' },
	    token: () => tokenFor('partner', { county: FOREIGN.county,
	    scope: 'changes:read', townships: '*' }) },
	partner_noscope: { deny: 403, code: 'insufficient_scope',
	    tenants: { own: 'A', foreign: 'C' },
	    token: () => tokenFor('partner', { county: '330599',
	    scope: 'coops:read funds:read personnel:read', townships: '*' }) },
};

before(async () => {
	fixtures();
	/* Townships first (their centers are events too), then the heads. */
	T.A = await township(ctx, 1, '330599');
	T.B = await township(ctx, 1, '330599');
	T.C = await township(ctx, 1, FOREIGN.county);
	for (const [name, c] of Object.entries(CALLERS)) {
		if (!c.deny)
			HEAD[name] = await head(c.token());
	}
	for (const X of [T.A, T.B, T.C]) {
		const res = await api('POST', '/api/v1/origin-units', {
		    token: X.tok, body: { name: `矩阵变更${X.code}`,
		    kind: 'township_body' } });
		assert.equal(res.status, 201, res.text);
		X.event = res.json.id;
	}
});

after(() => {
	for (const fn of cleanups.reverse())
		fn();
});

for (const [name, c] of Object.entries(CALLERS)) {
	for (const [tenant, t] of Object.entries(c.tenants)) {
		const status = c.deny ?? 200;
		const own = tenant === 'own';
		test(`matrix: GET /api/v1/changes as ${name}/${tenant} -> ` +
		    `${status}${c.code ? ` ${c.code}` : ''}`, async () => {
			const headers = { 'x-request-id': rid('cmx') };
			if (c.deny) {
				const res = await api('GET', '/api/v1/changes',
				    { token: c.token(), headers });
				expectProblem(res, c.deny, c.code);
				return;
			}
			const { events } = await drain(c.token(),
			    { after: HEAD[name] });
			const hit = events.filter((e) =>
			    e.entity_id === T[t].event);
			if (own) {
				assert.equal(hit.length, 1, `${name} sees ` +
				    `tenant ${t}'s event`);
				assert.equal(hit[0].township, T[t].code);
				assert.equal(hit[0].type, 'origin_unit');
			} else {
				assert.equal(hit.length, 0, `${name} does not ` +
				    `see tenant ${t}'s event`);
			}
			/* Never another tenant's township at all. */
			for (const e of events) {
				if (name.startsWith('township'))
					assert.ok(e.township === null ||
					    e.township === T.A.code);
				if (name === 'partner_granted')
					assert.equal(e.township, T.A.code);
			}
		});
	}
}
