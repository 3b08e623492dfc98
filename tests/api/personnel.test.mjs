/*
 * Personnel pooling (issue 4): centers, staff, campaigns, deployments and
 * their rules (100% a day, on-duty minimums, leave, campaign dates,
 * re-deployment only to a higher priority, county transfers), the race
 * for the last person above a minimum, teams and coverage, phones.
 * Every test builds its own scratch township (personnel-lib.mjs).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
	api, auditRows, expectFieldError, expectProblem, expectStatus, rid,
	tokenFor,
} from './lib.mjs';
import {
	COUNTY, campaign, expectBad, minimum, patch, post, staff, township,
} from './personnel-lib.mjs';

test('personnel: a new township has its four centers, named, minimum 0',
    async (t) => {
	const T = await township(t, 1);
	const res = await api('GET', `/api/v1/centers?township=${T.code}`,
	    { token: T.county });
	expectStatus(res, 200);
	assert.deepEqual(res.json.items.map((c) => c.kind).sort(),
	    ['construction_development', 'law_based_governance',
	    'party_mass_service', 'social_affairs']);
	const sa = res.json.items.find((c) => c.kind === 'social_affairs');
	assert.equal(sa.name, '社会事务中心');
	assert.equal(sa.on_duty_minimum, 0);
	assert.equal(sa.headcount, 0);
});

test('personnel: center PATCH needs If-Match (428), a stale one is 412, ' +
    'the director is an active staff member of the township', async (t) => {
	const T = await township(t, 1);
	const id = T.centers.law_based_governance;
	let res = await api('PATCH', `/api/v1/centers/${id}`,
	    { token: T.tok, body: { on_duty_minimum: 1 } });
	expectProblem(res, 428, 'precondition_required');
	res = await api('PATCH', `/api/v1/centers/${id}`, { token: T.tok,
	    body: { on_duty_minimum: 1 }, headers: { 'if-match': '"99"' } });
	expectProblem(res, 412, 'precondition_failed');
	const s = await staff(T, 'law_based_governance');
	res = await patch(`/api/v1/centers/${id}`, { director_id: s.id,
	    on_duty_minimum: 1 }, T.tok);
	expectStatus(res, 200);
	assert.equal(res.json.director_id, s.id);
	assert.equal(res.json.on_duty_minimum, 1);
	assert.equal(res.json.headcount, 1);
	assert.equal(res.headers.get('etag'), `"${res.json.version}"`);
	res = await patch(`/api/v1/centers/${id}`, { director_id:
	    '00000000-0000-4000-8000-000000000000' }, T.tok);
	expectBad(res, '/director_id', 'not_found');
	res = await patch(`/api/v1/centers/${id}`, { on_duty_minimum: -1,
	    name: '', bogus: 1 }, T.tok);
	expectBad(res, '/on_duty_minimum');
	expectBad(res, '/name');
	expectBad(res, '/bogus');
	res = await patch(`/api/v1/centers/${id}`, {}, T.tok);
	expectBad(res, '', 'empty');
});

test('personnel: bad input names the field (origin units, skill tags, ' +
    'staff)', async (t) => {
	const T = await township(t, 1);
	const bad = async (p, body, ptr, code) => {
		const res = await api('POST', p, { token: T.tok, body });
		expectBad(res, ptr, code);
	};
	await bad('/api/v1/origin-units', { name: '', kind: 'internal_office' },
	    '/name');
	await bad('/api/v1/origin-units', { name: 'x'.repeat(65),
	    kind: 'internal_office' }, '/name');
	await bad('/api/v1/origin-units', { name: '办', kind: 'office' },
	    '/kind');
	await bad('/api/v1/origin-units', { name: '办', kind: 'internal_office',
	    township: '330599001' }, '/township', 'mismatch');
	await bad('/api/v1/origin-units', { name: '办', kind: 'internal_office',
	    township: 'abc' }, '/township');
	await bad('/api/v1/origin-units', { name: '办', kind: 'internal_office',
	    extra: true }, '/extra');
	await bad('/api/v1/skill-tags', { code: 'Bad Code', label: '坏' },
	    '/code', 'format');
	await bad('/api/v1/skill-tags', { code: 'ok', label: '' }, '/label');
	let res = await api('POST', '/api/v1/skill-tags', { token: T.tok,
	    body: { code: 'statistics', label: '又一个' } });
	expectProblem(res, 409, 'conflict');
	const base = { name: '王五', origin_unit_id: T.unit,
	    establishment: 'contract', center_id: T.centers.social_affairs,
	    post: '科员' };
	for (const [k, v, code] of [['name', '', undefined],
	    ['name', 7, 'type'], ['origin_unit_id', 'nope', undefined],
	    ['establishment', 'temp', undefined],
	    ['center_id', 'x', undefined], ['post', '', undefined],
	    ['status', 'transferred_out', undefined],
	    ['phone', '1380000', undefined],
	    ['phone', '23800001234', 'format'],
	    ['skills', 'statistics', 'format'],
	    ['skills', ['Statistics'], 'format'],
	    ['skills', ['statistics', 'statistics'], 'duplicate'],
	    ['skills', ['cooking'], 'unknown_skill']])
		await bad('/api/v1/staff', { ...base, [k]: v }, `/${k}`, code);
	for (const k of ['name', 'origin_unit_id', 'establishment',
	    'center_id', 'post']) {
		const b = { ...base };
		delete b[k];
		await bad('/api/v1/staff', b, `/${k}`, 'required');
	}
	/* A center or unit of another township. */
	const U = await township(t, 1);
	await bad('/api/v1/staff', { ...base, origin_unit_id: U.unit },
	    '/origin_unit_id', 'not_found');
	await bad('/api/v1/staff', { ...base,
	    center_id: U.centers.social_affairs }, '/center_id', 'not_found');
	res = await api('GET', '/api/v1/staff?status=gone&center=x',
	    { token: T.tok });
	expectFieldError(res, 'status', 'enum', { kind: 'parameter' });
	expectFieldError(res, 'center', 'format', { kind: 'parameter' });
});

test('personnel: phones are whole for the own township, masked for the ' +
    'county, and never reach the audit trail', async (t) => {
	const T = await township(t, 1);
	const id = rid('phone');
	const res = await api('POST', '/api/v1/staff', { token: T.tok,
	    headers: { 'x-request-id': id }, body: { name: '赵六',
	    origin_unit_id: T.unit, establishment: 'civil_servant',
	    center_id: T.centers.party_mass_service, post: '专干',
	    skills: ['statistics', 'law_publicity'], phone: '13912345678' } });
	expectStatus(res, 201);
	assert.equal(res.json.phone, '13912345678');
	assert.deepEqual(res.json.skills, ['law_publicity', 'statistics']);
	assert.match(res.headers.get('location'),
	    new RegExp(`/api/v1/staff/${res.json.id}$`));
	const c = await api('GET', `/api/v1/staff/${res.json.id}`,
	    { token: T.county });
	expectStatus(c, 200);
	assert.equal(c.json.phone, '139****5678');
	const rows = auditRows(id);
	assert.ok(rows.some((r) => r.entity === 'staff'));
	assert.ok(rows.some((r) => r.entity === 'staff_phones'));
	assert.ok(!JSON.stringify(rows).includes('13912345678'),
	    'no phone in the audit trail');
	const v = await api('GET', `/api/v1/staff/${res.json.id}`,
	    { token: tokenFor('village', { county: COUNTY, township: T.code,
	    village: T.villages[0] }) });
	expectProblem(v, 403, 'forbidden');
});

test('personnel: campaigns: bad input names the field', async (t) => {
	const T = await township(t, 2);
	const U = await township(t, 1);
	const base = { title: '专项', kind: 'census', priority: 'high',
	    starts_on: '2031-01-01', ends_on: '2031-01-10',
	    lead_center_id: T.centers.social_affairs, headcount_needed: 3 };
	const bad = async (body, ptr, code) => {
		const res = await api('POST', '/api/v1/campaigns',
		    { token: T.tok, body });
		expectBad(res, ptr, code);
	};
	for (const [k, v] of [['title', ''], ['kind', 'party'],
	    ['priority', 'asap'], ['starts_on', '2031-02-30'],
	    ['ends_on', 'tomorrow'], ['lead_center_id', 'x'],
	    ['headcount_needed', 0], ['headcount_needed', 1001],
	    ['skills_needed', [1]], ['villages', ['123']]])
		await bad({ ...base, [k]: v }, `/${k}`);
	await bad({ ...base, ends_on: '2030-12-31' }, '/ends_on', 'range');
	await bad({ ...base, ends_on: '2032-06-01' }, '/ends_on', 'range');
	await bad({ ...base, skills_needed: ['cooking'] }, '/skills_needed',
	    'unknown_skill');
	await bad({ ...base, villages: [U.villages[0]] }, '/villages',
	    'not_found');
	await bad({ ...base, lead_center_id: U.centers.social_affairs },
	    '/lead_center_id', 'not_found');
	const c = await campaign(T);
	assert.deepEqual(c.villages, T.villages);
	let res = await patch(`/api/v1/campaigns/${c.id}`,
	    { actual_ended_on: '2031-03-05' }, T.tok);
	expectBad(res, '/actual_ended_on', 'range');
	res = await patch(`/api/v1/campaigns/${c.id}`,
	    { starts_on: '2031-04-01' }, T.tok);
	expectBad(res, '/ends_on', 'range');
	res = await patch(`/api/v1/campaigns/${c.id}`,
	    { actual_started_on: '2031-03-01', actual_ended_on: '2031-03-20',
	    villages: [T.villages[0]] }, T.tok);
	expectStatus(res, 200);
	assert.deepEqual(res.json.villages, [T.villages[0]]);
});

test('personnel: deployments: never over 100% of a day; bad input names ' +
    'the field', async (t) => {
	const T = await township(t, 1);
	const s = await staff(T, 'construction_development');
	const c = await campaign(T);
	const d = { campaign_id: c.id, staff_id: s.id, from: '2031-03-02',
	    to: '2031-03-06', share_percent: 60 };
	const first = await post('/api/v1/deployments', d, T.tok);
	assert.equal(first.share_percent, 60);
	assert.equal(first.from, '2031-03-02');
	assert.equal(first.to, '2031-03-06');
	let res = await api('POST', '/api/v1/deployments', { token: T.tok,
	    body: { ...d, from: '2031-03-05', to: '2031-03-09' } });
	const p = expectProblem(res, 409, 'over_allocated');
	assert.match(p.detail, /120%/);
	assert.match(p.detail, /2031-03-05\.\.2031-03-06/);
	assert.equal(p.errors[0].pointer, '/staff_id');
	/* 40% more fits exactly. */
	await post('/api/v1/deployments', { ...d, share_percent: 40 }, T.tok);
	for (const [k, v] of [['share_percent', 0], ['share_percent', 101],
	    ['role', 'boss'], ['from', '2031-13-01'], ['to', 5],
	    ['campaign_id', 'x'], ['staff_id', 'y'], ['team_id', 'z']]) {
		res = await api('POST', '/api/v1/deployments', { token: T.tok,
		    body: { ...d, [k]: v } });
		expectBad(res, `/${k}`);
	}
	res = await api('POST', '/api/v1/deployments', { token: T.tok,
	    body: { ...d, from: '2031-03-09', to: '2031-03-08' } });
	expectBad(res, '/to', 'range');
	res = await api('POST', '/api/v1/deployments', { token: T.tok,
	    body: { ...d, from: '2031-02-27' } });
	expectBad(res, '/from', 'outside_campaign');
	res = await api('POST', '/api/v1/deployments', { token: T.tok,
	    body: { ...d, to: '2031-04-01' } });
	expectBad(res, '/from', 'outside_campaign');
	res = await api('POST', '/api/v1/deployments', { token: T.tok,
	    body: { ...d, campaign_id: '00000000-0000-4000-8000-000000000000' } });
	expectBad(res, '/campaign_id', 'not_found');
});

test('personnel: on-duty minimum: the refusal names the center, the days ' +
    'and the shortfall; raising a minimum or sending staff on leave is ' +
    'checked too', async (t) => {
	const T = await township(t, 1);
	const s = [];
	for (let i = 0; i < 3; i++)
		s.push(await staff(T, 'social_affairs'));
	await minimum(T, 'social_affairs', 2);
	const c = await campaign(T);
	const dep = (x, from, to, share) => api('POST', '/api/v1/deployments',
	    { token: T.tok, body: { campaign_id: c.id, staff_id: x.id, from,
	    to, share_percent: share } });
	expectStatus(await dep(s[0], '2031-03-10', '2031-03-12', 100), 201);
	/* Half of another person on 11-13: 1.5 on duty on 11 and 12. */
	const res = await dep(s[1], '2031-03-11', '2031-03-13', 50);
	const p = expectProblem(res, 409, 'on_duty_minimum');
	assert.match(p.detail, /social_affairs/);
	assert.match(p.detail, /1\.50 on duty against its minimum of 2/);
	assert.match(p.detail, /2 day\(s\): 2031-03-11\.\.2031-03-12/);
	assert.match(p.detail, /shortfall 0\.50/);
	/* Outside those days it fits. */
	expectStatus(await dep(s[1], '2031-03-13', '2031-03-14', 100), 201);
	/* Raising the minimum to 3 would break 10-14 March. */
	let r = await patch(`/api/v1/centers/${T.centers.social_affairs}`,
	    { on_duty_minimum: 3 }, T.tok);
	expectProblem(r, 409, 'on_duty_minimum');
	/* Leave (or a move) of the third person as well. */
	r = await patch(`/api/v1/staff/${s[2].id}`, { status: 'on_leave' },
	    T.tok);
	expectProblem(r, 409, 'on_duty_minimum');
	r = await patch(`/api/v1/staff/${s[2].id}`,
	    { center_id: T.centers.party_mass_service }, T.tok);
	expectProblem(r, 409, 'on_duty_minimum');
	/* A person on leave cannot be deployed. */
	await minimum(T, 'social_affairs', 0);
	r = await patch(`/api/v1/staff/${s[2].id}`, { status: 'on_leave' },
	    T.tok);
	expectStatus(r, 200);
	const q = expectProblem(await dep(s[2], '2031-03-20', '2031-03-21',
	    100), 409, 'staff_unavailable');
	assert.match(q.detail, /on_leave/);
});

test('personnel: many deployments racing for the last person above a ' +
    'minimum: exactly one wins', async (t) => {
	const T = await township(t, 1);
	const N = 8;
	const s = [];
	for (let i = 0; i < N; i++)
		s.push(await staff(T, 'law_based_governance'));
	await minimum(T, 'law_based_governance', N - 1);
	const c = await campaign(T);
	const all = await Promise.all(s.map((x) => api('POST',
	    '/api/v1/deployments', { token: T.tok, body: { campaign_id: c.id,
	    staff_id: x.id, from: '2031-03-15', to: '2031-03-16' } })));
	const won = all.filter((r) => r.status === 201);
	assert.equal(won.length, 1, all.map((r) => r.status).join(','));
	for (const r of all.filter((x) => x.status !== 201))
		expectProblem(r, 409, 'on_duty_minimum');
	const list = await api('GET', `/api/v1/deployments?campaign=${c.id}`,
	    { token: T.tok });
	expectStatus(list, 200);
	assert.equal(list.json.items.length, 1);
});

test('personnel: re-deployment only to a higher priority, ending the old ' +
    'deployment and audited', async (t) => {
	const T = await township(t, 1);
	const s = await staff(T, 'party_mass_service');
	const low = await campaign(T, { priority: 'low' });
	const normal = await campaign(T, { priority: 'low', title: '同级' });
	const urgent = await campaign(T, { priority: 'urgent', title: '急' });
	const old = await post('/api/v1/deployments', { campaign_id: low.id,
	    staff_id: s.id, from: '2031-03-01', to: '2031-03-20' }, T.tok);
	/* A plain deployment cannot take the person. */
	let res = await api('POST', '/api/v1/deployments', { token: T.tok,
	    body: { campaign_id: urgent.id, staff_id: s.id,
	    from: '2031-03-10', to: '2031-03-12' } });
	expectProblem(res, 409, 'over_allocated');
	res = await api('POST', `/api/v1/deployments/${old.id}/redeploy`,
	    { token: T.tok, body: { campaign_id: normal.id,
	    from: '2031-03-10', to: '2031-03-12', reason: '同级' } });
	expectProblem(res, 409, 'priority_not_higher');
	res = await api('POST', `/api/v1/deployments/${old.id}/redeploy`,
	    { token: T.tok, body: { campaign_id: urgent.id,
	    from: '2031-03-10' } });
	expectBad(res, '/to', 'required');
	expectBad(res, '/reason', 'required');
	const id = rid('redeploy');
	res = await api('POST', `/api/v1/deployments/${old.id}/redeploy`,
	    { token: T.tok, headers: { 'x-request-id': id },
	    body: { campaign_id: urgent.id, from: '2031-03-10',
	    to: '2031-03-12', role: 'lead', reason: '防汛抢险' } });
	expectStatus(res, 201);
	assert.equal(res.json.campaign_id, urgent.id);
	assert.equal(res.json.staff_id, s.id);
	assert.equal(res.json.role, 'lead');
	const o = await api('GET', `/api/v1/deployments/${old.id}`,
	    { token: T.tok });
	assert.equal(o.json.to, '2031-03-09');
	assert.equal(o.json.status, 'active');
	assert.equal(o.json.superseded_by, res.json.id);
	assert.match(o.json.ended_reason, /防汛抢险/);
	const a = auditRows(id).filter((r) => r.entity === 'deployments');
	assert.ok(a.some((r) => r.action === 'insert' &&
	    r.entity_id === res.json.id));
	assert.ok(a.some((r) => r.action === 'update' &&
	    r.entity_id === old.id && r.before.period !== r.after.period));
	/* The old one ended: re-deploying it from a later day is refused. */
	res = await api('POST', `/api/v1/deployments/${old.id}/redeploy`,
	    { token: T.tok, body: { campaign_id: urgent.id,
	    from: '2031-03-15', to: '2031-03-16', reason: '再调' } });
	expectProblem(res, 409, 'not_active');
	/* Cancel is final. */
	res = await api('POST', `/api/v1/deployments/${old.id}/cancel`,
	    { token: T.tok, body: { reason: '不需要了' } });
	expectStatus(res, 200);
	assert.equal(res.json.status, 'cancelled');
	res = await api('POST', `/api/v1/deployments/${old.id}/cancel`,
	    { token: T.tok, body: { reason: '再取消' } });
	expectProblem(res, 409, 'cancelled');
});

test('personnel: county transfer keeps the history in the old township',
    async (t) => {
	const T = await township(t, 1);
	const U = await township(t, 1);
	const s = await staff(T, 'social_affairs', { skills: ['statistics'],
	    phone: '13700001111' });
	const c = await campaign(T);
	const before = await post('/api/v1/deployments', { campaign_id: c.id,
	    staff_id: s.id, from: '2031-03-01', to: '2031-03-20' }, T.tok);
	const after = await post('/api/v1/deployments', { campaign_id: c.id,
	    staff_id: s.id, from: '2031-03-25', to: '2031-03-26',
	    share_percent: 10 }, T.tok);
	const uunit = U.unit;
	const body = { center_id: U.centers.construction_development,
	    origin_unit_id: uunit, effective_on: '2031-03-15',
	    reason: '工作需要' };
	let res = await api('POST', `/api/v1/staff/${s.id}/transfer`,
	    { token: T.tok, body });
	expectProblem(res, 403, 'forbidden');
	res = await api('POST', `/api/v1/staff/${s.id}/transfer`,
	    { token: T.county, body: { ...body, center_id:
	    T.centers.party_mass_service, origin_unit_id: T.unit } });
	expectBad(res, '/center_id', 'same_township');
	res = await api('POST', `/api/v1/staff/${s.id}/transfer`,
	    { token: T.county, body: { ...body, origin_unit_id: T.unit } });
	expectBad(res, '/origin_unit_id', 'not_found');
	res = await api('POST', `/api/v1/staff/${s.id}/transfer`,
	    { token: T.county, body });
	expectStatus(res, 201);
	const n = res.json;
	assert.equal(n.township_code, U.code);
	assert.equal(n.person_id, s.person_id);
	assert.equal(n.transferred_from, s.id);
	assert.deepEqual(n.skills, ['statistics']);
	assert.equal(n.phone, '137****1111');
	const old = await api('GET', `/api/v1/staff/${s.id}`, { token: T.tok });
	assert.equal(old.json.status, 'transferred_out');
	const b = await api('GET', `/api/v1/deployments/${before.id}`,
	    { token: T.tok });
	assert.equal(b.json.to, '2031-03-14');
	assert.equal(b.json.ended_reason, 'transferred out');
	const a = await api('GET', `/api/v1/deployments/${after.id}`,
	    { token: T.tok });
	assert.equal(a.json.status, 'cancelled');
	res = await api('POST', `/api/v1/staff/${s.id}/transfer`,
	    { token: T.county, body });
	expectProblem(res, 409, 'transferred_out');
	res = await patch(`/api/v1/staff/${s.id}`, { name: '改名' }, T.tok);
	expectProblem(res, 409, 'transferred_out');
	/* Both townships see the transfer, the new one sees the phone. */
	for (const tok of [T.tok, U.tok]) {
		const l = await api('GET', `/api/v1/staff-transfers?person=` +
		    s.person_id, { token: tok });
		expectStatus(l, 200);
		assert.equal(l.json.items.length, 1);
		assert.equal(l.json.items[0].to_staff_id, n.id);
	}
	const g = await api('GET', `/api/v1/staff/${n.id}`, { token: U.tok });
	assert.equal(g.json.phone, '13700001111');
	const h = await api('GET', `/api/v1/staff/${n.id}`, { token: T.tok });
	expectProblem(h, 404, 'not_found');
});

test('personnel: teams, visits and coverage; village users see the ' +
    'campaigns and visits of their village only', async (t) => {
	const T = await township(t, 3);
	const c = await campaign(T, { villages: T.villages.slice(0, 2) });
	let res = await api('POST', `/api/v1/campaigns/${c.id}/teams`,
	    { token: T.tok, body: { name: '一组', visits: [{ village:
	    T.villages[2], from: '2031-03-02', to: '2031-03-02' }] } });
	expectBad(res, '/visits/0/village', 'not_covered');
	res = await api('POST', `/api/v1/campaigns/${c.id}/teams`,
	    { token: T.tok, body: { name: '一组', visits: [{ village:
	    T.villages[0], from: '2031-02-02', to: '2031-03-02' }] } });
	expectBad(res, '/visits', 'outside_campaign');
	res = await api('POST', `/api/v1/campaigns/${c.id}/teams`,
	    { token: T.tok, body: { name: '一组', visits: [{ village:
	    T.villages[0], from: '2031-03-05' }] } });
	expectBad(res, '/visits/0', 'format');
	res = await api('POST', `/api/v1/campaigns/${c.id}/teams`,
	    { token: T.tok, body: { name: '一组', visits: [{ village:
	    T.villages[0], from: '2031-03-05', to: '2031-03-04' }] } });
	expectBad(res, '/visits/0/to', 'range');
	const team = await post(`/api/v1/campaigns/${c.id}/teams`,
	    { name: '一组', visits: [{ village: T.villages[0],
	    from: '2031-03-02', to: '2031-03-03' }] }, T.tok);
	assert.equal(team.visits.length, 1);
	res = await api('POST', `/api/v1/campaigns/${c.id}/teams`,
	    { token: T.tok, body: { name: '一组' } });
	expectProblem(res, 409, 'conflict');
	let cov = await api('GET', `/api/v1/campaigns/${c.id}/coverage`,
	    { token: T.tok });
	expectStatus(cov, 200);
	assert.equal(cov.json.villages, 2);
	assert.deepEqual(cov.json.uncovered, [T.villages[1]]);
	assert.deepEqual(cov.json.covered.map((x) => x.village_code),
	    [T.villages[0]]);
	assert.deepEqual(cov.json.planned, { from: '2031-03-01',
	    to: '2031-03-31', days: 31 });
	const s = await staff(T, 'social_affairs');
	const d = await post('/api/v1/deployments', { campaign_id: c.id,
	    staff_id: s.id, from: '2031-03-02', to: '2031-03-03',
	    team_id: team.id, role: 'lead' }, T.tok);
	res = await patch(`/api/v1/campaign-teams/${team.id}`, { visits: [
	    { village: T.villages[0], from: '2031-03-02', to: '2031-03-02' },
	    { village: T.villages[1], from: '2031-03-03', to: '2031-03-03' }] },
	    T.tok);
	expectStatus(res, 200);
	assert.deepEqual(res.json.members, [{ deployment_id: d.id,
	    staff_id: s.id, role: 'lead' }]);
	cov = await api('GET', `/api/v1/campaigns/${c.id}/coverage`,
	    { token: T.tok });
	assert.deepEqual(cov.json.uncovered, []);
	assert.equal(cov.json.deployed, 1);
	res = await patch(`/api/v1/campaigns/${c.id}`,
	    { villages: [T.villages[1]] }, T.tok);
	expectProblem(res, 409, 'villages_visited');
	/* Village users: campaigns and visits of their village. */
	const v0 = tokenFor('village', { county: COUNTY, township: T.code,
	    village: T.villages[0] });
	const v2 = tokenFor('village', { county: COUNTY, township: T.code,
	    village: T.villages[2] });
	res = await api('GET', `/api/v1/campaigns?township=${T.code}`,
	    { token: v0 });
	expectStatus(res, 200);
	assert.deepEqual(res.json.items.map((x) => x.id), [c.id]);
	assert.deepEqual(res.json.items[0].villages, [T.villages[0]]);
	res = await api('GET', `/api/v1/campaigns/${c.id}/teams`,
	    { token: v0 });
	expectStatus(res, 200);
	assert.equal(res.json.items.length, 1);
	assert.deepEqual(res.json.items[0].visits.map((x) => x.village_code),
	    [T.villages[0]]);
	assert.deepEqual(res.json.items[0].members, [], 'no staff for villages');
	res = await api('GET', `/api/v1/campaigns/${c.id}`, { token: v2 });
	expectProblem(res, 404, 'not_found');
	res = await api('GET', `/api/v1/campaigns/${c.id}/teams`,
	    { token: v2 });
	expectProblem(res, 404, 'not_found');
});

test('personnel: bad input on the other writes names the field; lists ' +
    'page by key', async (t) => {
	const T = await township(t, 1);
	const U = await township(t, 1);
	const s = await staff(T, 'social_affairs');
	const c = await campaign(T);
	const team = await post(`/api/v1/campaigns/${c.id}/teams`,
	    { name: '二组' }, T.tok);
	const uc = await campaign(U);
	const uteam = await post(`/api/v1/campaigns/${uc.id}/teams`,
	    { name: '外组' }, U.tok);
	const d = await post('/api/v1/deployments', { campaign_id: c.id,
	    staff_id: s.id, from: '2031-03-01', to: '2031-03-02' }, T.tok);
	const P = (p, body) => patch(p, body, T.tok);
	for (const [body, ptr, code] of [
	    [{ share_percent: 0 }, '/share_percent'],
	    [{ role: 'chief' }, '/role'],
	    [{ team_id: 'x' }, '/team_id', 'format'],
	    [{ team_id: uteam.id }, '/team_id', 'not_found'],
	    [{ campaign_id: c.id }, '/campaign_id', 'unknown_field'],
	    [{}, '', 'empty']])
		expectBad(await P(`/api/v1/deployments/${d.id}`, body), ptr,
		    code);
	let res = await P(`/api/v1/deployments/${d.id}`, { team_id: team.id,
	    role: 'lead' });
	expectStatus(res, 200);
	assert.equal(res.json.team_id, team.id);
	res = await P(`/api/v1/deployments/${d.id}`, { team_id: null });
	expectStatus(res, 200);
	assert.equal(res.json.team_id, null);
	for (const [body, ptr] of [[{ name: '' }, '/name'],
	    [{ visits: {} }, '/visits'], [{ visits: [1] }, '/visits/0']])
		expectBad(await P(`/api/v1/campaign-teams/${team.id}`, body), ptr);
	for (const [body, ptr] of [[{ kind: 'club' }, '/kind'],
	    [{ name: 'x'.repeat(65) }, '/name']])
		expectBad(await P(`/api/v1/origin-units/${T.unit}`, body), ptr);
	for (const [body, ptr] of [[{ status: 'transferred_out' }, '/status'],
	    [{ phone: null }, '/phone'], [{ phone: '1390000000x' }, '/phone'],
	    [{ center_id: U.centers.social_affairs }, '/center_id']])
		expectBad(await P(`/api/v1/staff/${s.id}`, body), ptr);
	const tb = { center_id: U.centers.social_affairs,
	    origin_unit_id: U.unit, effective_on: '2031-05-01', reason: '调' };
	for (const [k, v] of [['center_id', 'x'], ['origin_unit_id', 1],
	    ['effective_on', '2031-5-1'], ['reason', ''],
	    ['reason', 'x'.repeat(201)]]) {
		res = await api('POST', `/api/v1/staff/${s.id}/transfer`,
		    { token: T.county, body: { ...tb, [k]: v } });
		expectBad(res, `/${k}`);
	}
	for (const body of [{}, { reason: 'x'.repeat(201) }]) {
		res = await api('POST', `/api/v1/deployments/${d.id}/cancel`,
		    { token: T.tok, body });
		expectBad(res, '/reason');
	}
	res = await api('POST', `/api/v1/campaigns/${c.id}/team-proposal`,
	    { token: T.tok, body: { headcount: 0, from: 'x' } });
	expectBad(res, '/headcount');
	expectBad(res, '/from');
	/* Keyset paging: two pages of three staff, then nothing. */
	await staff(T, 'social_affairs');
	await staff(T, 'social_affairs');
	const seen = [];
	let url = `/api/v1/staff?township=${T.code}&limit=2`;
	for (let i = 0; i < 2; i++) {
		res = await api('GET', url, { token: T.tok });
		expectStatus(res, 200);
		seen.push(...res.json.items.map((x) => x.id));
		if (i === 0) {
			assert.equal(res.json.items.length, 2);
			assert.ok(res.json.next_cursor);
			assert.match(res.headers.get('link'), /rel="next"/);
			url = `/api/v1/staff?township=${T.code}&limit=2&cursor=` +
			    res.json.next_cursor;
		}
	}
	assert.equal(res.json.next_cursor, null);
	assert.equal(new Set(seen).size, 3);
	assert.deepEqual(seen, [...seen].sort());
	res = await api('GET', `/api/v1/skill-tags?township=${T.code}&limit=2`,
	    { token: T.tok });
	expectStatus(res, 200);
	res = await api('GET', `/api/v1/skill-tags?township=${T.code}&cursor=` +
	    res.json.next_cursor, { token: T.tok });
	expectStatus(res, 200);
	assert.deepEqual(res.json.items.map((x) => x.code), ['statistics']);
	for (const q of ['limit=0', 'limit=201', 'cursor=zz', 'township=1']) {
		res = await api('GET', `/api/v1/staff?${q}`, { token: T.tok });
		expectProblem(res, 400, 'validation_failed');
	}
});
