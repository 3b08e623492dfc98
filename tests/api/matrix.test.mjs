/*
 * The tenant-isolation matrix: every endpoint of app/http/routes.def that
 * takes a token x every caller x own and foreign tenant.  See lib.mjs for
 * the row format, the callers and the tenants; a new module adds its rows
 * here (or calls matrix() from its own suite).
 *
 * 2xx where the role may act on its own tenant, 403 where the role (or a
 * partner's scope) may not, 404 where the row is outside the tenant.
 */

import assert from 'node:assert/strict';

import { FOREIGN, fixtures, matrix } from './lib.mjs';

const f = fixtures();

const noScope = { own: { status: 403, code: 'insufficient_scope' } };
const forbidden = { status: 403, code: 'forbidden' };
const notFound = { status: 404, code: 'not_found' };
const forbiddenBoth = { own: forbidden, foreign: forbidden };
/* Township-bound callers see their own township only. */
const bound = new Set(['township', 'village', 'partner_granted']);

function readAll(own = 200)
{
	return {
		county: { own, foreign: notFound },
		township: { own, foreign: notFound, otherCounty: notFound },
		village: { own, foreign: notFound, otherCounty: notFound },
		partner: { own, foreign: notFound },
		partner_granted: { own, foreign: notFound,
		    otherCounty: notFound },
		partner_noscope: noScope,
	};
}

matrix([
	{
		method: 'GET',
		path: '/api/v1/counties/{county}',
		/* foreign: county 330600 for every caller. */
		expect: {
			county: { own: 200, foreign: notFound },
			township: { own: 200, foreign: notFound },
			village: { own: 200, foreign: notFound },
			partner: { own: 200, foreign: notFound },
			partner_granted: { own: 200, foreign: notFound },
			partner_noscope: noScope,
		},
		check(res, c) {
			assert.equal(res.json.code, c.target.county);
			assert.equal(res.headers.get('etag'),
			    `"${res.json.version}"`);
		},
	},
	{
		method: 'GET',
		path: '/api/v1/townships',
		expect: {
			county: { own: 200, foreign: 200 },
			township: { own: 200, foreign: 200, otherCounty: 200 },
			village: { own: 200, foreign: 200, otherCounty: 200 },
			partner: { own: 200, foreign: 200 },
			partner_granted: { own: 200, foreign: 200,
			    otherCounty: 200 },
			partner_noscope: noScope,
		},
		check(res, c) {
			const codes = res.json.items.map((i) => i.code);
			for (const i of res.json.items)
				assert.equal(i.county_code, f.county, i.code);
			if (c.tenant === 'own')
				assert.ok(codes.includes(c.target.township));
			else
				assert.ok(!codes.includes(c.target.township),
				    `${c.target.township} leaked: ${codes}`);
			if (bound.has(c.role))
				assert.deepEqual(codes, [f.t1]);
			else
				assert.ok(codes.length >= 13, `${codes}`);
		},
	},
	{
		method: 'POST',
		path: '/api/v1/townships',
		body: { code: '{newTownship}', name: '新建镇', kind: 'town' },
		expect: {
			county: { own: 201,
			    /* Another county's code is not this county's. */
			    foreign: { status: 400,
			    code: 'validation_failed', pointer: '/code',
			    errorCode: 'prefix_mismatch' } },
			township: forbiddenBoth,
			village: forbiddenBoth,
			partner: forbiddenBoth,
			partner_noscope: { own: forbidden },
		},
		check(res, c) {
			assert.equal(res.json.code, c.vars.newTownship);
			assert.equal(res.json.county_code, f.county);
			assert.equal(res.json.version, 1);
			assert.equal(res.headers.get('etag'), '"1"');
			assert.equal(res.headers.get('location'),
			    `/api/v1/townships/${c.vars.newTownship}`);
		},
	},
	{
		method: 'GET',
		path: '/api/v1/townships/{township}',
		expect: readAll(),
		check(res, c) {
			assert.equal(res.json.code, c.target.township);
			assert.equal(res.headers.get('etag'),
			    `"${res.json.version}"`);
		},
	},
	{
		method: 'PATCH',
		path: '/api/v1/townships/{scratchTownship}',
		body: { name: '改名镇' },
		ifMatch: true,
		expect: {
			county: { own: 200, foreign: notFound },
			township: forbiddenBoth,
			village: forbiddenBoth,
			partner: forbiddenBoth,
			partner_noscope: { own: forbidden },
		},
		check(res, c) {
			assert.equal(res.json.code, c.vars.scratchTownship);
			assert.equal(res.json.name, '改名镇');
			assert.equal(res.json.version, 2);
			assert.equal(res.headers.get('etag'), '"2"');
		},
	},
	{
		method: 'GET',
		path: '/api/v1/townships/{township}/villages',
		expect: readAll(),
		check(res, c) {
			assert.ok(res.json.items.length > 0);
			for (const i of res.json.items)
				assert.equal(i.township_code, c.target.township);
			if (c.role === 'village')
				assert.deepEqual(res.json.items.map((i) => i.code),
				    [f.v1]);
		},
	},
	{
		method: 'POST',
		path: '/api/v1/townships/{township}/villages',
		body: { code: '{newVillage}', name: '新建村', population: 10,
		    households: 4, natural_village_count: 1 },
		expect: {
			county: { own: 201, foreign: notFound },
			township: forbiddenBoth,
			village: forbiddenBoth,
			partner: forbiddenBoth,
			partner_noscope: { own: forbidden },
		},
		check(res, c) {
			assert.equal(res.json.code, c.vars.newVillage);
			assert.equal(res.json.township_code, c.target.township);
			assert.equal(res.json.population, 10);
			assert.equal(res.headers.get('location'),
			    `/api/v1/villages/${c.vars.newVillage}`);
		},
	},
	{
		method: 'GET',
		path: '/api/v1/villages/{village}',
		expect: {
			...readAll(),
			village: { own: 200, foreign: notFound,
			    sibling: notFound, otherCounty: notFound },
		},
		check(res, c) {
			assert.equal(res.json.code, c.target.village);
			assert.equal(res.headers.get('etag'),
			    `"${res.json.version}"`);
		},
	},
	{
		method: 'PATCH',
		path: '/api/v1/villages/{scratchVillage}',
		body: { population: 1234 },
		ifMatch: true,
		expect: {
			county: { own: 200, foreign: notFound },
			township: { own: 200, foreign: notFound,
			    otherCounty: notFound },
			village: forbiddenBoth,
			partner: forbiddenBoth,
			partner_noscope: { own: forbidden },
		},
		check(res, c) {
			assert.equal(res.json.code, c.vars.scratchVillage);
			assert.equal(res.json.population, 1234);
			assert.equal(res.json.version, 2);
			assert.equal(res.headers.get('etag'), '"2"');
		},
	},
]);

/* The foreign fixture really is another county's (guards the matrix). */
assert.notEqual(FOREIGN.county, f.county);
