/*
 * GET /api/v1/reports/cooperatives: the figures of a township built for
 * this test (as the owner), so that they are known exactly whatever other
 * suites write meanwhile; scope per caller; bad parameters.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
	api, dropTownship, dropVillage, expectFieldError, expectNo5xx, fixtures,
	psqlOwner, randomUscc, scratchTownship, scratchVillage, tokenFor,
} from './lib.mjs';

const f = fixtures();
const countyTok = () => tokenFor('county', { county: f.county });

/* One machinery and one farmland cooperative with known figures. */
function buildTownship(t)
{
	/* Cleaned up below, children first. */
	const tw = scratchTownship(f.county);
	const v = scratchVillage(tw);
	const q = (sql) => psqlOwner(sql);
	const coop = (kind, name) => q(`insert into cooperatives (county_code,
	    township_code, kind, name, uscc, legal_representative, founded_on)
	    values ('${f.county}', '${tw}', '${kind}', '${name}',
	    '${randomUscc(f.county)}', '张报', '2020-01-01') returning id`);
	const mc = coop('machinery', '报表农机合作社');
	const fc = coop('farmland', '报表农地合作社');
	const member = (c, name, kind, amount) => q(`insert into members
	    (cooperative_id, county_code, township_code, kind, name,
	    village_code, joined_on, contribution_kind, ${amount[0]})
	    values ('${c}', '${f.county}', '${tw}', 'person', '${name}', '${v}',
	    '2021-01-01', '${kind}', ${amount[1]}) returning id`);
	member(mc, '报一', 'money', ['contribution_fen', 100]);
	const m2 = member(fc, '报二', 'land', ['contribution_mu_x100', 250]);
	const left = member(mc, '报三', 'money', ['contribution_fen', 100]);
	q(`update members set left_on = '2022-01-01' where id = '${left}'`);
	const machine = (plate, cond) => q(`insert into machines
	    (cooperative_id, county_code, township_code, type, model, power_kw,
	    plate_or_serial, condition) values ('${mc}', '${f.county}', '${tw}',
	    'tractor', '东方红LX1004', 73.5, '${plate}', '${cond}')
	    returning id`);
	const ok = machine(`RPT-${tw}-1`, 'good');
	const oos = machine(`RPT-${tw}-2`, 'out_of_service');
	const book = (m, from, to) => q(`insert into bookings (cooperative_id,
	    county_code, township_code, machine_id, booked_by_kind, booked_by,
	    period, price_fen) values ('${mc}', '${f.county}', '${tw}', '${m}',
	    'farmer', '农户', daterange('${from}', '${to}', '[]'), 1000)
	    returning id`);
	/* 10 days in March, 3 of them inside the period asked below. */
	book(ok, '2031-03-01', '2031-03-10');
	book(ok, '2031-02-26', '2031-02-28');
	book(ok, '2031-03-29', '2031-04-02');
	book(oos, '2031-03-01', '2031-03-05');		/* out of service */
	const gone = book(ok, '2031-03-15', '2031-03-16');
	q(`update bookings set status = 'cancelled', cancel_reason = '取消'
	    where id = '${gone}'`);
	const parcel = q(`insert into land_parcels (cooperative_id, county_code,
	    township_code, member_id, village_code, parcel_code, certificate_no,
	    area_mu_x100, land_use) values ('${fc}', '${f.county}', '${tw}',
	    '${m2}', '${v}', '${v}0100001', 'JY-RPT-1', 250, 'arable')
	    returning id`);
	q(`insert into land_transfers (cooperative_id, county_code,
	    township_code, parcel_id, lessee, term, rent_fen_per_mu_year)
	    values ('${fc}', '${f.county}', '${tw}', '${parcel}', '报表家庭农场',
	    daterange('2030-01-01', '2034-12-31', '[]'), 100000)`);
	t.after(() => {
		for (const tb of ['land_transfers', 'land_parcels', 'bookings',
		    'machines', 'members', 'cooperatives']) {
			q(`delete from ${tb} where township_code = '${tw}'`);
		}
		dropVillage(v);
		dropTownship(tw);
	});
	return tw;
}

test('coops report: the figures of a known township', async (t) => {
	const tw = buildTownship(t);
	const res = await api('GET', '/api/v1/reports/cooperatives' +
	    `?from=2031-03-01&to=2031-03-31&township=${tw}`,
	    { token: countyTok() });
	expectNo5xx(res);
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json.period, { from: '2031-03-01',
	    to: '2031-03-31' });
	assert.equal(res.json.townships.length, 1);
	const r = res.json.townships[0];
	assert.equal(r.township_code, tw);
	assert.deepEqual(r.cooperatives.by_kind, { labor: 0, machinery: 1,
	    farmland: 1, housing: 0 });
	assert.equal(r.cooperatives.total, 2);
	assert.equal(r.members, 2, 'members who left are not counted');
	assert.equal(r.pooled_land_mu_x100, 250);
	assert.equal(r.machines.total, 2);
	assert.equal(r.machines.out_of_service, 1);
	assert.equal(r.machines.by_type.tractor, 2);
	/* 10 (1-10 March) + 3 (29-31 March); not February, not cancelled,
	 * not the machine out of service. */
	assert.equal(r.machine_days.booked, 13);
	assert.equal(r.machine_days.available, 31);
	assert.equal(r.machine_days.utilisation, Math.round(13 / 31 * 1e4) /
	    1e4);
	assert.deepEqual(r.land_transfers, { count: 1, area_mu_x100: 250,
	    rent_fen_per_year: 250000 });
});

test('coops report: a township user gets its own township only', async (t) => {
	const tw = buildTownship(t);
	const tok = tokenFor('township', { county: f.county, township: tw });
	const res = await api('GET', '/api/v1/reports/cooperatives' +
	    '?from=2031-03-01&to=2031-03-31', { token: tok });
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json.townships.map((x) => x.township_code), [tw]);
	const other = await api('GET', '/api/v1/reports/cooperatives' +
	    `?township=${f.t1}`, { token: tok });
	assert.equal(other.status, 404, other.text);
});

test('coops report: bad parameters name themselves', async () => {
	const tok = countyTok();
	const q = (s) => api('GET', `/api/v1/reports/cooperatives?${s}`,
	    { token: tok });
	expectFieldError(await q('from=2031-02-30&to=2031-03-01'), 'from',
	    undefined, { kind: 'parameter' });
	expectFieldError(await q('from=2031-03-02&to=2031-03-01'), 'to',
	    undefined, { kind: 'parameter' });
	expectFieldError(await q('township=33059'), 'township', undefined,
	    { kind: 'parameter' });
	expectFieldError(await q('limit=5'), 'limit', undefined,
	    { kind: 'parameter' });
});
