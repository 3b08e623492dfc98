/*
 * Shared fixtures of the personnel suites (issue 4): a scratch township
 * (it gets its four centers from the database), built up through the API
 * as its own township officer, and dropped with everything in it.
 */

import assert from 'node:assert/strict';

import {
	api, expectProblem, expectStatus, psqlOwner, scratchTownship,
	scratchVillage, tokenFor,
} from './lib.mjs';

export const COUNTY = '330599';

/* Everything personnel in a township, then the township (as the owner). */
export function dropPersonnel(code)
{
	assert.match(code, /^[0-9]{9}$/);
	psqlOwner(`
delete from deployments where township_code = '${code}';
delete from team_visits where township_code = '${code}';
delete from campaign_teams where township_code = '${code}';
delete from campaign_villages where township_code = '${code}';
delete from campaigns where township_code = '${code}';
delete from staff_transfers where township_code = '${code}' or
    from_township_code = '${code}';
delete from staff_phones where township_code = '${code}';
update centers set director_id = null where township_code = '${code}';
delete from staff where township_code = '${code}';
delete from skill_tags where township_code = '${code}';
delete from origin_units where township_code = '${code}';`);
}

export async function post(p, body, token, status = 201)
{
	const res = await api('POST', p, { token, body });
	expectStatus(res, status);
	return res.json;
}

export async function patch(p, body, token)
{
	const g = await api('GET', p, { token });
	expectStatus(g, 200);
	const res = await api('PATCH', p, { token, body,
	    headers: { 'if-match': g.headers.get('etag') } });
	return res;
}

/*
 * A township with villages, an origin unit, skills and centers by kind;
 * t.after drops it.  Returns { code, villages, tok, county, unit,
 * centers: { kind: id } }.
 */
export async function township(t, nvillages = 3, county = COUNTY)
{
	const code = scratchTownship(county);
	const villages = [];
	for (let i = 0; i < nvillages; i++)
		villages.push(scratchVillage(code));
	villages.sort();
	t.after(() => {
		dropPersonnel(code);
		psqlOwner(`delete from villages where township_code =
		    '${code}'; delete from townships where code = '${code}'`);
	});
	const tok = tokenFor('township', { county, township: code });
	const ctok = tokenFor('county', { county });
	const res = await api('GET', `/api/v1/centers?township=${code}`,
	    { token: tok });
	expectStatus(res, 200);
	const centers = {};
	for (const c of res.json.items)
		centers[c.kind] = c.id;
	assert.equal(Object.keys(centers).length, 4, 'four centers');
	const unit = (await post('/api/v1/origin-units', { name: '司法所',
	    kind: 'county_dispatched' }, tok)).id;
	for (const [c, l] of [['law_publicity', '普法'],
	    ['statistics', '统计'], ['engineering', '工程']])
		await post('/api/v1/skill-tags', { code: c, label: l }, tok);
	return { code, villages, tok, county: ctok, unit, centers };
}

let nstaff = 0;

export async function staff(T, kind, extra = {})
{
	nstaff++;
	return post('/api/v1/staff', { name: `测试员${nstaff}`,
	    origin_unit_id: T.unit, establishment: 'civil_servant',
	    center_id: T.centers[kind], post: '科员', ...extra }, T.tok);
}

export async function campaign(T, extra = {})
{
	return post('/api/v1/campaigns', { title: '测试专项',
	    kind: 'other', priority: 'normal', starts_on: '2031-03-01',
	    ends_on: '2031-03-31', lead_center_id: T.centers.social_affairs,
	    headcount_needed: 2, villages: T.villages, ...extra }, T.tok);
}

export async function minimum(T, kind, n)
{
	const res = await patch(`/api/v1/centers/${T.centers[kind]}`,
	    { on_duty_minimum: n }, T.tok);
	expectStatus(res, 200);
}

/*
 * A 400 naming the field: errors holds this pointer (and error code, if
 * given).  The service's own checks answer code validation_failed, the
 * database's (class XZ400) the error's own code.
 */
export function expectBad(res, where, errCode)
{
	const p = expectProblem(res, 400);
	assert.ok(Array.isArray(p.errors), `errors list in ${res.text}`);
	const hit = p.errors.find((e) => e.pointer === where &&
	    (errCode === undefined || e.code === errCode));
	assert.ok(hit, `expected an error at ${where}` +
	    `${errCode ? ` code ${errCode}` : ''} in ${res.text}`);
	assert.equal(typeof hit.message, 'string');
	return p;
}
