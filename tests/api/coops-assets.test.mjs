/*
 * Cooperative assets (issue 6), black-box: machines, land parcels, houses,
 * labour teams and skills are created, read and patched; every field's
 * bad input is a 400 naming it; an asset of the wrong kind of cooperative
 * is 409 wrong_cooperative_kind; duplicates are 409.
 *
 * Works on cooperatives it creates in the demo township T1 (dropped
 * afterwards as the owner).
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import {
	api, dropCooperatives, expectProblem, expectStatus, fixtures,
	randomResidentId, randomUscc, tokenFor,
} from './lib.mjs';

const f = fixtures();
const RUN = crypto.randomBytes(3).toString('hex');
const countyTok = () => tokenFor('county', { county: f.county });

let seq = 0;

/* A cooperative of kind in T1 with one member in V1; dropped after t. */
async function coop(t, kind)
{
	seq++;
	const c = await api('POST', '/api/v1/cooperatives', {
		token: countyTok(), body: {
			township: f.t1, kind, name: `资产测试${kind}${RUN}${seq}`,
			uscc: randomUscc(), legal_representative: '测试',
			founded_on: '2020-01-01', villages: [f.v1],
		},
	});
	expectStatus(c, 201);
	t.after(() => dropCooperatives(c.json.id));
	const m = await api('POST', `/api/v1/cooperatives/${c.json.id}/members`,
	    { token: countyTok(), body: { kind: 'household', name: '户主',
	    village: f.v1, joined_on: '2020-02-01',
	    contribution: { kind: 'land', mu_x100: 500 },
	    resident_id: randomResidentId() } });
	expectStatus(m, 201);
	return { id: c.json.id, member: m.json.id };
}

/* A 400 whose errors name this pointer or one under it. */
function expectPointer(res, ptr, what)
{
	expectProblem(res, 400, 'validation_failed');
	assert.ok(res.json.errors.some((e) => e.pointer === ptr ||
	    e.pointer?.startsWith(`${ptr}/`)), `${what}: expected ${ptr} in ` +
	    res.text);
}

async function badCases(p, base, cases)
{
	for (const [over, ptr] of cases) {
		const body = { ...base, ...over };
		for (const k of Object.keys(body)) {
			if (body[k] === undefined)
				delete body[k];
		}
		const res = await api('POST', p, { token: countyTok(), body });
		expectPointer(res, ptr, JSON.stringify(over));
	}
}

test('machines: create, get, patch; bad input; wrong kind; duplicate plate',
    async (t) => {
	const c = await coop(t, 'machinery');
	const p = `/api/v1/cooperatives/${c.id}/machines`;
	const base = { type: 'combine_harvester', model: '久保田PRO688',
	    power_kw: 9999.9, plate_or_serial: `ZA${RUN}`, condition: 'good' };
	const m = await api('POST', p, { token: countyTok(), body: base });
	expectStatus(m, 201);
	assert.equal(m.json.power_kw, 9999.9);
	assert.equal(m.json.cooperative_id, c.id);
	assert.equal(m.json.township_code, f.t1);
	const small = await api('POST', p, { token: countyTok(), body: { ...base,
	    plate_or_serial: `ZB${RUN}`, power_kw: 0.1 } });
	expectStatus(small, 201);
	assert.equal(small.json.power_kw, 0.1);
	const dup = await api('POST', p, { token: countyTok(), body: base });
	expectProblem(dup, 409);
	await badCases(p, { ...base, plate_or_serial: `ZC${RUN}` }, [
		[{ type: 'truck' }, '/type'],
		[{ type: undefined }, '/type'],
		[{ model: '' }, '/model'],
		[{ model: 'x'.repeat(65) }, '/model'],
		[{ power_kw: 0 }, '/power_kw'],
		[{ power_kw: 0.05 }, '/power_kw'],
		[{ power_kw: 5.25 }, '/power_kw'],
		[{ power_kw: 10000 }, '/power_kw'],
		[{ power_kw: -1 }, '/power_kw'],
		[{ power_kw: '5' }, '/power_kw'],
		[{ power_kw: null }, '/power_kw'],
		[{ power_kw: undefined }, '/power_kw'],
		[{ plate_or_serial: '' }, '/plate_or_serial'],
		[{ plate_or_serial: 'x'.repeat(33) }, '/plate_or_serial'],
		[{ condition: 'broken' }, '/condition'],
	]);
	const l = await coop(t, 'labor');
	const wrong = await api('POST', `/api/v1/cooperatives/${l.id}/machines`,
	    { token: countyTok(), body: { ...base, plate_or_serial: `ZD${RUN}` } });
	expectProblem(wrong, 409, 'wrong_cooperative_kind');
	const g = await api('GET', `/api/v1/machines/${m.json.id}`,
	    { token: countyTok() });
	expectStatus(g, 200);
	const pa = await api('PATCH', `/api/v1/machines/${m.json.id}`,
	    { token: countyTok(), headers: { 'if-match': g.headers.get('etag') },
	    body: { condition: 'out_of_service' } });
	expectStatus(pa, 200);
	assert.equal(pa.json.condition, 'out_of_service');
	const bad = await api('PATCH', `/api/v1/machines/${m.json.id}`,
	    { token: countyTok(), headers: { 'if-match': pa.headers.get('etag') },
	    body: { power_kw: 1.25 } });
	expectPointer(bad, '/power_kw', 'patch');
	const list = await api('GET', `${p}?condition=out_of_service`,
	    { token: countyTok() });
	expectStatus(list, 200);
	assert.deepEqual(list.json.items.map((x) => x.id), [m.json.id]);
	const badf = await api('GET', `${p}?type=truck`, { token: countyTok() });
	expectProblem(badf, 400, 'validation_failed');
});

test('parcels: create, bad input, duplicate parcel code', async (t) => {
	const c = await coop(t, 'farmland');
	const p = `/api/v1/cooperatives/${c.id}/parcels`;
	const code = `${f.v1}97${String(10000 + crypto.randomInt(89999))}`;
	const base = { member_id: c.member, village: f.v1, parcel_code: code,
	    certificate_no: `330599${RUN}J`, area_mu_x100: 1234,
	    land_use: 'arable', boundaries: '东至沟渠，南至村道' };
	const r = await api('POST', p, { token: countyTok(), body: base });
	expectStatus(r, 201);
	assert.equal(r.json.parcel_code, code);
	assert.equal(r.json.area_mu_x100, 1234);
	assert.equal(r.json.member_id, c.member);
	const dup = await api('POST', p, { token: countyTok(), body: base });
	expectProblem(dup, 409, 'parcel_code_taken');
	const other = `${f.v1}97${String(10000 + crypto.randomInt(89999))}`;
	await badCases(p, { ...base, parcel_code: other }, [
		[{ member_id: 'x' }, '/member_id'],
		[{ member_id: crypto.randomUUID() }, '/member_id'],
		[{ member_id: undefined }, '/member_id'],
		[{ parcel_code: '123' }, '/parcel_code'],
		[{ parcel_code: `${f.v2}0100001` }, '/parcel_code'],
		[{ certificate_no: '' }, '/certificate_no'],
		[{ certificate_no: 'x'.repeat(41) }, '/certificate_no'],
		[{ area_mu_x100: 0 }, '/area_mu_x100'],
		[{ area_mu_x100: 100000001 }, '/area_mu_x100'],
		[{ area_mu_x100: 1.5 }, '/area_mu_x100'],
		[{ land_use: 'moon' }, '/land_use'],
		[{ boundaries: 'x'.repeat(501) }, '/boundaries'],
		[{ boundaries: 5 }, '/boundaries'],
	]);
	const m = await coop(t, 'machinery');
	const wrong = await api('POST', `/api/v1/cooperatives/${m.id}/parcels`,
	    { token: countyTok(), body: { ...base, member_id: m.member,
	    parcel_code: other } });
	expectProblem(wrong, 409, 'wrong_cooperative_kind');
});

test('houses: create, bad input', async (t) => {
	const c = await coop(t, 'housing');
	const p = `/api/v1/cooperatives/${c.id}/houses`;
	const base = { member_id: c.member, village: f.v1,
	    address: `测试村${RUN}号`, floor_area_m2: 135.5,
	    condition: 'fair', occupancy: 'idle' };
	const r = await api('POST', p, { token: countyTok(), body: base });
	expectStatus(r, 201);
	assert.equal(r.json.floor_area_m2, 135.5);
	assert.equal(r.json.occupancy, 'idle');
	await badCases(p, base, [
		[{ member_id: crypto.randomUUID() }, '/member_id'],
		[{ address: '' }, '/address'],
		[{ address: 'x'.repeat(129) }, '/address'],
		[{ floor_area_m2: 1.25 }, '/floor_area_m2'],
		[{ floor_area_m2: 0 }, '/floor_area_m2'],
		[{ floor_area_m2: '100' }, '/floor_area_m2'],
		[{ condition: 'new' }, '/condition'],
		[{ occupancy: 'rented' }, '/occupancy'],
		[{ village: f.v2 }, '/village'],
	]);
});

test('teams and skills: create, bad input', async (t) => {
	const c = await coop(t, 'labor');
	const p = `/api/v1/cooperatives/${c.id}/teams`;
	const r = await api('POST', p, { token: countyTok(),
	    body: { name: `插秧队${RUN}`, member_ids: [c.member] } });
	expectStatus(r, 201);
	assert.deepEqual(r.json.member_ids, [c.member]);
	const o = await coop(t, 'labor');
	await badCases(p, { name: `队${RUN}`, member_ids: [c.member] }, [
		[{ name: '' }, '/name'],
		[{ name: 'x'.repeat(65) }, '/name'],
		[{ member_ids: [] }, '/member_ids'],
		[{ member_ids: 'x' }, '/member_ids'],
		[{ member_ids: ['x'] }, '/member_ids'],
		[{ member_ids: [o.member] }, '/member_ids'],
		[{ member_ids: [c.member, c.member] }, '/member_ids'],
		[{ member_ids: Array.from({ length: 51 }, () =>
		    crypto.randomUUID()) }, '/member_ids'],
	]);
	const sp = `/api/v1/members/${c.member}/skills`;
	const s = await api('POST', sp, { token: countyTok(),
	    body: { skill: '插秧', days_available_per_month: 12 } });
	expectStatus(s, 200);
	assert.deepEqual(s.json.items, [{ skill: '插秧',
	    days_available_per_month: 12 }]);
	const s2 = await api('POST', sp, { token: countyTok(),
	    body: { skill: '插秧', days_available_per_month: 20 } });
	expectStatus(s2, 200);
	assert.deepEqual(s2.json.items, [{ skill: '插秧',
	    days_available_per_month: 20 }], 'an upsert');
	await badCases(sp, { skill: '收割', days_available_per_month: 3 }, [
		[{ skill: '' }, '/skill'],
		[{ skill: 'x'.repeat(33) }, '/skill'],
		[{ skill: undefined }, '/skill'],
		[{ days_available_per_month: 32 }, '/days_available_per_month'],
		[{ days_available_per_month: -1 }, '/days_available_per_month'],
		[{ days_available_per_month: 1.5 }, '/days_available_per_month'],
	]);
	const g = await api('GET', sp, { token: countyTok() });
	expectStatus(g, 200);
	assert.equal(g.json.items.length, 1);
});
