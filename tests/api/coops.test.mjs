/*
 * Cooperatives and members (issue 6), black-box: create, get, list with
 * filters and name search, patch (If-Match, status rules, villages); bad
 * input for every field names its pointer; USCC check characters (GB
 * 32100); members with resident ID numbers (GB 11643): the answer shows
 * only resident_id_masked, to county and township users, null to village
 * users; search by resident ID; one chair, one membership per person.
 *
 * No answer of this suite repeats a resident ID number it sent: every
 * answer is kept and the last test looks for each number in all of them.
 * The numbers are also noted (noteResidentId) for the log check,
 * zz-resident-ids-in-logs.test.mjs.
 *
 * Cooperatives are created in the demo township T1 and dropped afterwards
 * as the owner.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import {
	USCC_ALPHABET, api as rawApi, dropCooperatives, expectFieldError,
	expectProblem, expectStatus, fixtures, maskResidentId, noteResidentId,
	randomResidentId, randomUscc, residentIdCheckChar, tokenFor,
	usccCheckChar,
} from './lib.mjs';

const f = fixtures();
const RUN = crypto.randomBytes(3).toString('hex');
const FOREIGN_T = '330600100';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const countyTok = () => tokenFor('county', { county: f.county });
const townshipTok = (t = f.t1) => tokenFor('township', { county: f.county,
    township: t });
const villageTok = (v = f.v1) => tokenFor('village', { county: f.county,
    township: v.slice(0, 9), village: v });

/* Every answer of this suite, for the last test. */
const answers = [];
/* Every resident ID number sent. */
const sentIds = new Set();

async function api(method, p, opts)
{
	const res = await rawApi(method, p, opts);
	answers.push({ what: `${method} ${p} -> ${res.status}`, res });
	return res;
}

function rid(opts)
{
	const id = randomResidentId(opts);
	sentIds.add(id);
	return id;
}

/* A wrong resident ID (noted too: it is still a person's number). */
function badRid(id)
{
	noteResidentId(id);
	sentIds.add(id);
	return id;
}

let seq = 0;

function coopBody(extra = {})
{
	seq++;
	return { township: f.t1, kind: 'labor',
	    name: `测试劳务合作社${RUN}-${seq}`, uscc: randomUscc(),
	    legal_representative: '王测试', founded_on: '2018-05-20',
	    registered_capital_fen: 500000000, villages: [f.v1b, f.v1],
	    ...extra };
}

async function createCoop(t, extra = {}, token = countyTok())
{
	const res = await api('POST', '/api/v1/cooperatives', { token,
	    body: coopBody(extra) });
	expectStatus(res, 201);
	t.after(() => dropCooperatives(res.json.id));
	return res;
}

function memberBody(extra = {})
{
	seq++;
	return { kind: 'person', name: `社员${seq}`, village: f.v1,
	    joined_on: '2019-01-01', role: 'member',
	    contribution: { kind: 'money', fen: 100000 }, resident_id: rid(),
	    ...extra };
}

function expectCoop(c)
{
	assert.match(c.id, UUID);
	for (const k of ['id', 'county_code', 'township_code', 'kind', 'name',
	    'uscc', 'legal_representative', 'founded_on',
	    'registered_capital_fen', 'status', 'status_since',
	    'status_reason', 'villages', 'member_count', 'version',
	    'created_at', 'updated_at'])
		assert.ok(k in c, `cooperative has ${k}: ${JSON.stringify(c)}`);
}

test('create a cooperative (county and township users), get it, ETag, ' +
    'Location', async (t) => {
	const body = coopBody({ kind: 'machinery' });
	const res = await api('POST', '/api/v1/cooperatives',
	    { token: countyTok(), body });
	expectStatus(res, 201);
	t.after(() => dropCooperatives(res.json.id));
	const c = res.json;
	expectCoop(c);
	assert.equal(res.headers.get('location'), `/api/v1/cooperatives/${c.id}`);
	assert.equal(res.headers.get('etag'), `"${c.version}"`);
	assert.equal(c.county_code, f.county);
	assert.equal(c.township_code, f.t1);
	assert.equal(c.kind, 'machinery');
	assert.equal(c.name, body.name);
	assert.equal(c.uscc, body.uscc);
	assert.equal(c.founded_on, '2018-05-20');
	assert.equal(c.registered_capital_fen, 500000000);
	assert.equal(c.status, 'active');
	assert.deepEqual(c.villages, [f.v1, f.v1b].sort());
	assert.equal(c.member_count, 0);
	const g = await api('GET', `/api/v1/cooperatives/${c.id}`,
	    { token: townshipTok() });
	expectStatus(g, 200);
	assert.deepEqual(g.json, c);
	const nm = await api('GET', `/api/v1/cooperatives/${c.id}`,
	    { token: countyTok(), headers: { 'if-none-match':
	    res.headers.get('etag') } });
	expectStatus(nm, 304);
	/* A township user: its own township, named or not. */
	const tw = await createCoop(t, { township: undefined, kind: 'housing' },
	    townshipTok());
	assert.equal(tw.json.township_code, f.t1);
	const tw2 = await createCoop(t, { kind: 'farmland' }, townshipTok());
	assert.equal(tw2.json.township_code, f.t1);
	/* Others of the township do not see it as foreign. */
	const o = await api('GET', `/api/v1/cooperatives/${c.id}`,
	    { token: townshipTok(f.t2) });
	expectProblem(o, 404, 'not_found');
});

test('bad input for every field of a cooperative names its pointer',
    async (t) => {
	const cases = [
		[{ kind: 'fishing' }, '/kind'],
		[{ kind: undefined }, '/kind'],
		[{ kind: 3 }, '/kind'],
		[{ name: '' }, '/name'],
		[{ name: '名'.repeat(65) }, '/name'],
		[{ name: undefined }, '/name'],
		[{ name: 12 }, '/name'],
		[{ uscc: undefined }, '/uscc'],
		[{ uscc: 12 }, '/uscc', 'type'],
		[{ uscc: '93330599MA2G1074' }, '/uscc', 'length'],
		[{ uscc: `${randomUscc()}0` }, '/uscc', 'length'],
		[{ uscc: randomUscc().toLowerCase().replace(/^9/, '9') },
		    '/uscc'],
		[{ uscc: '93330599MA2G10I48A' }, '/uscc', 'alphabet'],
		[{ uscc: '9333O599MA2G107480' }, '/uscc'],
		[{ legal_representative: '' }, '/legal_representative'],
		[{ legal_representative: 'x'.repeat(65) },
		    '/legal_representative'],
		[{ legal_representative: undefined }, '/legal_representative'],
		[{ founded_on: '2019-02-29' }, '/founded_on'],
		[{ founded_on: '20190101' }, '/founded_on'],
		[{ founded_on: '1948-12-31' }, '/founded_on', 'out_of_range'],
		[{ founded_on: '2100-01-01' }, '/founded_on', 'out_of_range'],
		[{ founded_on: '2999-01-01' }, '/founded_on', 'format'],
		[{ founded_on: undefined }, '/founded_on'],
		[{ registered_capital_fen: -1 }, '/registered_capital_fen'],
		[{ registered_capital_fen: 1000000000000001 },
		    '/registered_capital_fen'],
		[{ registered_capital_fen: 1.5 }, '/registered_capital_fen'],
		[{ registered_capital_fen: '100' }, '/registered_capital_fen'],
		[{ villages: [] }, '/villages'],
		[{ villages: 'x' }, '/villages'],
		[{ villages: undefined }, '/villages'],
		[{ villages: [f.v1, f.v1] }, '/villages/1', 'duplicate'],
		[{ villages: ['12345'] }, '/villages/0', 'format'],
		[{ villages: [f.v1, f.v2] }, '/villages/1', 'prefix_mismatch'],
		[{ villages: [`${f.t1}999`] }, '/villages', 'not_found'],
		[{ villages: Array.from({ length: 201 }, (_, i) =>
		    `${f.t1}${String(i).padStart(3, '0')}`) }, '/villages'],
		[{ township: undefined }, '/township', 'required'],
		[{ township: '3305991' }, '/township'],
		[{ township: FOREIGN_T }, '/township', 'prefix_mismatch'],
		[{ township: `${f.county}999`, villages: [`${f.county}999001`] },
		    '/township', 'not_found'],
	];
	for (const [over, ptr, code] of cases) {
		const res = await api('POST', '/api/v1/cooperatives',
		    { token: countyTok(), body: coopBody(over) });
		if (res.status === 201)
			dropCooperatives(res.json.id);
		expectFieldError(res, ptr, code);
	}
	/* A township user naming another township. */
	const res = await api('POST', '/api/v1/cooperatives',
	    { token: townshipTok(), body: coopBody({ township: f.t2,
	    villages: [f.v2] }) });
	expectFieldError(res, '/township', 'mismatch');
	/* Unknown members and a non-object body. */
	const u = await api('POST', '/api/v1/cooperatives',
	    { token: countyTok(), body: coopBody({ colour: 'red' }) });
	expectFieldError(u, '/colour');
	const arr = await api('POST', '/api/v1/cooperatives',
	    { token: countyTok(), body: [] });
	expectProblem(arr, 400);
	t.diagnostic(`${cases.length} cases`);
});

test('USCC check character (GB 32100): every wrong one is refused, the ' +
    'edge values 0 and Y accepted; a duplicate is 409', async (t) => {
	for (const want of ['0', 'Y', 'A']) {
		const u = randomUscc('330599', want);
		assert.equal(u[17], want);
		const res = await createCoop(t, { uscc: u });
		assert.equal(res.json.uscc, u);
	}
	const good = randomUscc();
	const right = usccCheckChar(good);
	assert.equal(right, good[17]);
	/* Every other character of the alphabet as the check character. */
	const wrongs = [...USCC_ALPHABET].filter((c) => c !== right);
	for (const c of wrongs.slice(0, 8).concat(wrongs.slice(-3))) {
		const res = await api('POST', '/api/v1/cooperatives',
		    { token: countyTok(), body: coopBody({ uscc:
		    good.slice(0, 17) + c }) });
		expectFieldError(res, '/uscc', 'check_character');
	}
	/* Letters outside the alphabet (I, O, Z, S, V) and lower case. */
	for (const c of ['I', 'O', 'Z', 'S', 'V', 'a']) {
		const res = await api('POST', '/api/v1/cooperatives',
		    { token: countyTok(), body: coopBody({ uscc:
		    `${good.slice(0, 10)}${c}${good.slice(11)}` }) });
		expectFieldError(res, '/uscc', 'alphabet');
	}
	/* A non-digit division. */
	const div = `93A30599${good.slice(8, 17)}`;
	const dres = await api('POST', '/api/v1/cooperatives',
	    { token: countyTok(), body: coopBody({ uscc: div +
	    usccCheckChar(div) }) });
	expectFieldError(dres, '/uscc', 'division');
	/* Duplicate. */
	const first = await createCoop(t, { uscc: good });
	const dup = await api('POST', '/api/v1/cooperatives',
	    { token: countyTok(), body: coopBody({ uscc: good }) });
	expectProblem(dup, 409, 'uscc_taken');
	assert.equal(first.json.uscc, good);
});

test('list: filters, name search (1-2 and 3+ characters), paging, bad ' +
    'filters', async (t) => {
	const a = await createCoop(t, { kind: 'housing',
	    name: `乡居测试${RUN}甲`, villages: [f.v1b] });
	const b = await createCoop(t, { kind: 'housing',
	    name: `乡居测试${RUN}乙` });
	const q = encodeURIComponent(`测试${RUN}`);
	const l = await api('GET', `/api/v1/cooperatives?q=${q}`,
	    { token: countyTok() });
	expectStatus(l, 200);
	assert.deepEqual(l.json.items.map((x) => x.id).sort(),
	    [a.json.id, b.json.id].sort());
	const v = await api('GET', `/api/v1/cooperatives?q=${q}` +
	    `&village=${f.v1}`, { token: countyTok() });
	expectStatus(v, 200);
	assert.deepEqual(v.json.items.map((x) => x.id), [b.json.id]);
	const k = await api('GET', `/api/v1/cooperatives?q=${q}&kind=labor`,
	    { token: countyTok() });
	expectStatus(k, 200);
	assert.deepEqual(k.json.items, []);
	/* Two characters: the plain ILIKE path. */
	const two = await api('GET', `/api/v1/cooperatives?township=${f.t1}` +
	    `&q=${encodeURIComponent('乡居')}&limit=200`, { token: countyTok() });
	expectStatus(two, 200);
	const ids = two.json.items.map((x) => x.id);
	assert.ok(ids.includes(a.json.id) && ids.includes(b.json.id));
	for (const it of two.json.items)
		assert.ok(it.name.includes('乡居'), it.name);
	/* Paging: every page by limit=1 over the township's housing ones. */
	const seen = [];
	let cursor = '';
	for (let i = 0; i < 100; i++) {
		const p = await api('GET', `/api/v1/cooperatives?township=${f.t1}` +
		    `&kind=housing&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
		    { token: countyTok() });
		expectStatus(p, 200);
		assert.ok(p.json.items.length <= 1);
		seen.push(...p.json.items.map((x) => x.id));
		if (!p.json.next_cursor)
			break;
		cursor = encodeURIComponent(p.json.next_cursor);
	}
	assert.equal(new Set(seen).size, seen.length);
	assert.ok(seen.includes(a.json.id) && seen.includes(b.json.id));
	/* A township user sees its township only. */
	const tw = await api('GET', '/api/v1/cooperatives?limit=200',
	    { token: townshipTok(f.t2) });
	expectStatus(tw, 200);
	assert.ok(tw.json.items.length > 0);
	for (const it of tw.json.items)
		assert.equal(it.township_code, f.t2);
	for (const [qs, param] of [['kind=fish', 'kind'],
	    ['status=closed', 'status'], ['village=123', 'village'],
	    ['township=33059910', 'township'], [`q=${'x'.repeat(33)}`, 'q'],
	    ['q=', 'q'], ['limit=0', 'limit'], ['cursor=zz', 'cursor']]) {
		const res = await api('GET', `/api/v1/cooperatives?${qs}`,
		    { token: countyTok() });
		if (qs === 'q=' && res.status === 200)
			continue;
		expectFieldError(res, param, undefined, { kind: 'parameter' });
	}
});

test('patch: If-Match, status needs a reason, dissolved is final, ' +
    'villages replace the set', async (t) => {
	const c = await createCoop(t);
	const id = c.json.id;
	const p = `/api/v1/cooperatives/${id}`;
	const noIf = await api('PATCH', p, { token: countyTok(),
	    body: { name: '改名' } });
	assert.ok(noIf.status === 428, noIf.text);
	const ok = await api('PATCH', p, { token: townshipTok(),
	    headers: { 'if-match': c.headers.get('etag') },
	    body: { name: `改名测试${RUN}`, villages: [f.v1],
	    registered_capital_fen: 0 } });
	expectStatus(ok, 200);
	assert.equal(ok.json.name, `改名测试${RUN}`);
	assert.deepEqual(ok.json.villages, [f.v1]);
	assert.equal(ok.json.registered_capital_fen, 0);
	assert.equal(ok.json.version, c.json.version + 1);
	const stale = await api('PATCH', p, { token: countyTok(),
	    headers: { 'if-match': c.headers.get('etag') },
	    body: { name: 'x' } });
	expectProblem(stale, 412, 'precondition_failed');
	const etag = ok.headers.get('etag');
	for (const [body, ptr] of [
		[{ status: 'suspended' }, '/status_reason'],
		[{ status: 'gone', status_reason: 'x' }, '/status'],
		[{ status_reason: '' }, '/status_reason'],
		[{ status_since: '2030-01-01' }, '/status_since'],
		[{ status_since: 'today' }, '/status_since'],
		[{ name: '' }, '/name'],
		[{ registered_capital_fen: -5 }, '/registered_capital_fen'],
		[{ villages: [] }, '/villages'],
		[{ villages: [f.v2] }, '/villages'],
		[{ legal_representative: 'x'.repeat(65) },
		    '/legal_representative'],
		[{ uscc: randomUscc() }, '/uscc'],
		[{}, ''],
	]) {
		const res = await api('PATCH', p, { token: countyTok(),
		    headers: { 'if-match': etag }, body });
		expectFieldError(res, ptr);
	}
	const s = await api('PATCH', p, { token: countyTok(),
	    headers: { 'if-match': etag }, body: { status: 'dissolved',
	    status_reason: '经营期满', status_since: '2024-01-01' } });
	expectStatus(s, 200);
	assert.equal(s.json.status, 'dissolved');
	assert.equal(s.json.status_reason, '经营期满');
	assert.equal(s.json.status_since, '2024-01-01');
	const back = await api('PATCH', p, { token: countyTok(),
	    headers: { 'if-match': s.headers.get('etag') },
	    body: { status: 'active' } });
	expectProblem(back, 409, 'invalid_state');
	/* Nobody joins a dissolved cooperative. */
	const m = await api('POST', `${p}/members`, { token: countyTok(),
	    body: memberBody() });
	expectProblem(m, 409, 'invalid_state');
});

test('members: resident_id_masked for county and township users, null for ' +
    'village users; search by resident ID', async (t) => {
	const c = await createCoop(t);
	const p = `/api/v1/cooperatives/${c.json.id}/members`;
	const id1 = rid({ want: 'X' });
	const id2 = rid();
	const m1 = await api('POST', p, { token: countyTok(),
	    body: memberBody({ resident_id: id1, role: 'chair',
	    contribution: { kind: 'land', mu_x100: 250 } }) });
	expectStatus(m1, 201);
	assert.equal(m1.headers.get('location'), `/api/v1/members/${m1.json.id}`);
	assert.equal(m1.json.resident_id_masked, maskResidentId(id1));
	assert.ok(!('resident_id' in m1.json));
	assert.equal(m1.json.role, 'chair');
	assert.deepEqual(m1.json.contribution, { kind: 'land', mu_x100: 250 });
	assert.equal(m1.json.cooperative_id, c.json.id);
	assert.equal(m1.json.village_code, f.v1);
	assert.equal(m1.json.left_on, null);
	const m2 = await api('POST', p, { token: townshipTok(),
	    body: memberBody({ resident_id: id2, village: f.v1b, kind:
	    'household', contribution: { kind: 'labour', labour_days: 30 } }) });
	expectStatus(m2, 201);
	assert.equal(m2.json.resident_id_masked, maskResidentId(id2));
	assert.equal(m2.json.role, 'member');
	/* County and township users: every member, masked. */
	for (const tok of [countyTok(), townshipTok()]) {
		const l = await api('GET', p, { token: tok });
		expectStatus(l, 200);
		const byId = Object.fromEntries(l.json.items.map((x) =>
		    [x.id, x]));
		assert.equal(l.json.items.length, 2);
		assert.equal(byId[m1.json.id].resident_id_masked,
		    maskResidentId(id1));
		assert.equal(byId[m2.json.id].resident_id_masked,
		    maskResidentId(id2));
		const g = await api('GET', `/api/v1/members/${m1.json.id}`,
		    { token: tok });
		expectStatus(g, 200);
		assert.equal(g.json.resident_id_masked, maskResidentId(id1));
	}
	/* A village user: its villagers, resident_id_masked null. */
	const vl = await api('GET', p, { token: villageTok(f.v1) });
	expectStatus(vl, 200);
	assert.deepEqual(vl.json.items.map((x) => x.id), [m1.json.id]);
	assert.equal(vl.json.items[0].resident_id_masked, null);
	const vg = await api('GET', `/api/v1/members/${m1.json.id}`,
	    { token: villageTok(f.v1) });
	expectStatus(vg, 200);
	assert.equal(vg.json.resident_id_masked, null);
	const vo = await api('GET', `/api/v1/members/${m2.json.id}`,
	    { token: villageTok(f.v1) });
	expectProblem(vo, 404, 'not_found');
	/* member_count on the cooperative. */
	const cg = await api('GET', `/api/v1/cooperatives/${c.json.id}`,
	    { token: countyTok() });
	assert.equal(cg.json.member_count, 2);
	/* Search. */
	const s = await api('POST', '/api/v1/members/search',
	    { token: townshipTok(), body: { resident_id: id1 } });
	expectStatus(s, 200);
	assert.deepEqual(s.json.items.map((x) => x.id), [m1.json.id]);
	assert.equal(s.json.items[0].resident_id_masked, maskResidentId(id1));
	const sc = await api('POST', '/api/v1/members/search',
	    { token: countyTok(), body: { resident_id: id2 } });
	expectStatus(sc, 200);
	assert.deepEqual(sc.json.items.map((x) => x.id), [m2.json.id]);
	/* Another township's user finds nothing; a stranger nothing. */
	const so = await api('POST', '/api/v1/members/search',
	    { token: townshipTok(f.t2), body: { resident_id: id1 } });
	expectStatus(so, 200);
	assert.deepEqual(so.json.items, []);
	const sn = await api('POST', '/api/v1/members/search',
	    { token: countyTok(), body: { resident_id: rid() } });
	expectStatus(sn, 200);
	assert.deepEqual(sn.json.items, []);
	const sv = await api('POST', '/api/v1/members/search',
	    { token: villageTok(), body: { resident_id: id1 } });
	expectProblem(sv, 403);
	const sb = await api('POST', '/api/v1/members/search',
	    { token: countyTok(), body: { resident_id: badRid(
	    id1.slice(0, 17) + (id1[17] === '1' ? '2' : '1')) } });
	expectFieldError(sb, '/resident_id', 'check_character');
	/* The same person twice, a second chair: 409. */
	const again = await api('POST', p, { token: countyTok(),
	    body: memberBody({ resident_id: id1 }) });
	expectProblem(again, 409, 'already_member');
	const chair = await api('POST', p, { token: countyTok(),
	    body: memberBody({ role: 'chair' }) });
	expectProblem(chair, 409, 'chair_taken');
	/* One person may be a member of two cooperatives. */
	const c2 = await createCoop(t, { kind: 'farmland' });
	const other = await api('POST', `/api/v1/cooperatives/${c2.json.id}` +
	    '/members', { token: countyTok(), body: memberBody({
	    resident_id: id1 }) });
	expectStatus(other, 201);
	const s2 = await api('POST', '/api/v1/members/search',
	    { token: countyTok(), body: { resident_id: id1 } });
	assert.deepEqual(s2.json.items.map((x) => x.id).sort(),
	    [m1.json.id, other.json.id].sort());
});

test('member patch: If-Match, left_on, active filter, contribution',
    async (t) => {
	const c = await createCoop(t);
	const p = `/api/v1/cooperatives/${c.json.id}/members`;
	const m = await api('POST', p, { token: countyTok(),
	    body: memberBody({ joined_on: '2020-03-01' }) });
	expectStatus(m, 201);
	const mp = `/api/v1/members/${m.json.id}`;
	const early = await api('PATCH', mp, { token: countyTok(),
	    headers: { 'if-match': m.headers.get('etag') },
	    body: { left_on: '2020-02-01' } });
	expectFieldError(early, '/left_on', 'before_joined_on');
	const bad = await api('PATCH', mp, { token: countyTok(),
	    headers: { 'if-match': m.headers.get('etag') },
	    body: { contribution: { kind: 'money', mu_x100: 3 } } });
	expectFieldError(bad, '/contribution/mu_x100');
	const ok = await api('PATCH', mp, { token: townshipTok(),
	    headers: { 'if-match': m.headers.get('etag') },
	    body: { left_on: '2024-12-31', role: 'board',
	    contribution: { kind: 'money', fen: 1 } } });
	expectStatus(ok, 200);
	assert.equal(ok.json.left_on, '2024-12-31');
	assert.equal(ok.json.role, 'board');
	assert.deepEqual(ok.json.contribution, { kind: 'money', fen: 1 });
	assert.equal(ok.json.resident_id_masked, m.json.resident_id_masked);
	const act = await api('GET', `${p}?active=true`, { token: countyTok() });
	expectStatus(act, 200);
	assert.deepEqual(act.json.items, []);
	const left = await api('GET', `${p}?active=false`,
	    { token: countyTok() });
	assert.deepEqual(left.json.items.map((x) => x.id), [m.json.id]);
	const badf = await api('GET', `${p}?active=yes`, { token: countyTok() });
	expectFieldError(badf, 'active', undefined, { kind: 'parameter' });
	const stale = await api('PATCH', mp, { token: countyTok(),
	    headers: { 'if-match': m.headers.get('etag') },
	    body: { name: 'x' } });
	expectProblem(stale, 412, 'precondition_failed');
	const gone = await api('PATCH', `/api/v1/members/${crypto.randomUUID()}`,
	    { token: countyTok(), headers: { 'if-match': '"1"' },
	    body: { name: 'x' } });
	expectProblem(gone, 404, 'not_found');
});

test('bad input for every member field names its pointer', async (t) => {
	const c = await createCoop(t);
	const p = `/api/v1/cooperatives/${c.json.id}/members`;
	const good = rid();
	const cases = [
		[{ kind: 'firm' }, '/kind'],
		[{ kind: undefined }, '/kind'],
		[{ name: '' }, '/name'],
		[{ name: 'x'.repeat(65) }, '/name'],
		[{ village: '123' }, '/village'],
		[{ village: undefined }, '/village'],
		[{ village: f.v2 }, '/village'],
		[{ village: `${f.t1}999` }, '/village', 'not_found'],
		[{ joined_on: '2019-13-01' }, '/joined_on'],
		[{ joined_on: '2010-01-01' }, '/joined_on', 'before_founded_on'],
		[{ joined_on: undefined }, '/joined_on'],
		[{ left_on: 'soon' }, '/left_on', 'format'],
		[{ left_on: '2018-12-31' }, '/left_on', 'before_joined_on'],
		[{ role: 'king' }, '/role'],
		[{ contribution: undefined }, '/contribution'],
		[{ contribution: 5 }, '/contribution', 'type'],
		[{ contribution: {} }, '/contribution/kind', 'required'],
		[{ contribution: { kind: 'gold', fen: 1 } }, '/contribution/kind',
		    'enum'],
		[{ contribution: { kind: 'money' } }, '/contribution/fen',
		    'required'],
		[{ contribution: { kind: 'money', fen: -1 } },
		    '/contribution/fen', 'out_of_range'],
		[{ contribution: { kind: 'money', fen: '1' } },
		    '/contribution/fen', 'type'],
		[{ contribution: { kind: 'land', mu_x100: 100000001 } },
		    '/contribution/mu_x100', 'out_of_range'],
		[{ contribution: { kind: 'labour', labour_days: 10001 } },
		    '/contribution/labour_days', 'out_of_range'],
		[{ contribution: { kind: 'labour', labour_days: 3, fen: 1 } },
		    '/contribution/fen'],
		[{ contribution: { kind: 'money', fen: 1, x: 1 } },
		    '/contribution/x', 'unknown_field'],
		[{ resident_id: undefined }, '/resident_id'],
		[{ resident_id: 330599 }, '/resident_id', 'type'],
		[{ resident_id: badRid(good.slice(0, 17)) }, '/resident_id',
		    'length'],
		[{ resident_id: badRid(`${good}1`) }, '/resident_id', 'length'],
		[{ resident_id: badRid(`${good.slice(0, 17)}x`) },
		    '/resident_id'],
		[{ resident_id: badRid(`${good.slice(0, 10)}A${good.slice(11)}`) },
		    '/resident_id', 'alphabet'],
		[{ resident_id: badRid(fixCheck(`99${good.slice(2, 17)}`)) },
		    '/resident_id', 'division'],
		[{ resident_id: badRid(fixCheck(`${good.slice(0, 6)}20991231` +
		    good.slice(14, 17))) }, '/resident_id', 'birth_date'],
		[{ resident_id: badRid(fixCheck(`${good.slice(0, 6)}19990230` +
		    good.slice(14, 17))) }, '/resident_id', 'birth_date'],
		[{ resident_id: badRid(good.slice(0, 17) +
		    wrongCheck(good)) }, '/resident_id', 'check_character'],
	];
	for (const [over, ptr, code] of cases) {
		const res = await api('POST', p, { token: countyTok(),
		    body: memberBody(over) });
		expectFieldError(res, ptr, code);
		/* An error never quotes the number, not even masked. */
		if (typeof over.resident_id === 'string') {
			assert.ok(!res.text.includes(over.resident_id), res.text);
			assert.ok(!res.text.includes(over.resident_id.slice(6, 14)),
			    res.text);
		}
	}
	/* Every wrong check character of one number. */
	for (const ch of '0123456789X') {
		if (ch === good[17])
			continue;
		const res = await api('POST', p, { token: countyTok(),
		    body: memberBody({ resident_id: badRid(good.slice(0, 17) +
		    ch) }) });
		expectFieldError(res, '/resident_id', 'check_character');
	}
	const l = await api('GET', p, { token: countyTok() });
	expectStatus(l, 200);
	assert.deepEqual(l.json.items, [], 'no bad member was created');
	const none = await api('POST', `/api/v1/cooperatives/` +
	    `${crypto.randomUUID()}/members`, { token: countyTok(),
	    body: memberBody() });
	expectProblem(none, 404, 'not_found');
	const badid = await api('GET', '/api/v1/cooperatives/nope',
	    { token: countyTok() });
	expectFieldError(badid, 'id', undefined, { kind: 'parameter' });
});

/* A number with the right check character for its first 17. */
function fixCheck(s17)
{
	return s17 + residentIdCheckChar(s17);
}

function wrongCheck(id)
{
	return id[17] === '1' ? '2' : '1';
}

test('village users read the cooperatives that serve their village',
    async (t) => {
	const c = await createCoop(t, { villages: [f.v1b] });
	const p = `/api/v1/cooperatives/${c.json.id}`;
	const no = await api('GET', p, { token: villageTok(f.v1) });
	expectProblem(no, 404, 'not_found');
	const yes = await api('GET', p, { token: villageTok(f.v1b) });
	expectStatus(yes, 200);
	assert.deepEqual(yes.json.villages, [f.v1b]);
	const l = await api('GET', '/api/v1/cooperatives?limit=200&q=' +
	    encodeURIComponent(c.json.name), { token: villageTok(f.v1) });
	expectStatus(l, 200);
	assert.deepEqual(l.json.items, []);
	/* A villager of V1 joins it: V1 sees the membership, not the coop. */
	const m = await api('POST', `${p}/members`, { token: countyTok(),
	    body: memberBody({ village: f.v1 }) });
	expectStatus(m, 201);
	const mg = await api('GET', `/api/v1/members/${m.json.id}`,
	    { token: villageTok(f.v1) });
	expectStatus(mg, 200);
	assert.equal(mg.json.resident_id_masked, null);
	const mb = await api('GET', `/api/v1/members/${m.json.id}`,
	    { token: villageTok(f.v1b) });
	expectProblem(mb, 404, 'not_found');
	const ml = await api('GET', `${p}/members`, { token: villageTok(f.v1b) });
	expectStatus(ml, 200);
	assert.deepEqual(ml.json.items, []);
	/* Village users write nothing. */
	const w = await api('PATCH', p, { token: villageTok(f.v1b),
	    headers: { 'if-match': yes.headers.get('etag') },
	    body: { name: 'x' } });
	expectProblem(w, 403, 'forbidden');
});

test('concurrent writes: one chair, one membership per person, one ' +
    'cooperative per USCC', async (t) => {
	const c = await createCoop(t);
	const p = `/api/v1/cooperatives/${c.json.id}/members`;
	/* Ten different people all want to chair it. */
	const chairs = await Promise.all(Array.from({ length: 10 }, (_, i) =>
	    api('POST', p, { token: i % 2 ? countyTok() : townshipTok(),
	    body: memberBody({ role: 'chair' }) })));
	assert.equal(chairs.filter((r) => r.status === 201).length, 1,
	    chairs.map((r) => r.status).join());
	for (const r of chairs.filter((x) => x.status !== 201)) {
		expectProblem(r, 409);
		assert.ok(['chair_taken', 'conflict'].includes(r.json.code),
		    r.text);
	}
	/* One person joins ten times at once. */
	const id = rid();
	const same = await Promise.all(Array.from({ length: 10 }, () =>
	    api('POST', p, { token: countyTok(),
	    body: memberBody({ resident_id: id }) })));
	assert.equal(same.filter((r) => r.status === 201).length, 1,
	    same.map((r) => r.status).join());
	for (const r of same.filter((x) => x.status !== 201)) {
		expectProblem(r, 409);
		assert.ok(['already_member', 'conflict'].includes(r.json.code),
		    r.text);
	}
	const l = await api('GET', p, { token: countyTok() });
	expectStatus(l, 200);
	assert.equal(l.json.items.length, 2);
	/* Ten cooperatives with one USCC at once. */
	const uscc = randomUscc();
	const coops = await Promise.all(Array.from({ length: 10 }, () =>
	    api('POST', '/api/v1/cooperatives', { token: countyTok(),
	    body: coopBody({ uscc }) })));
	const won = coops.filter((r) => r.status === 201);
	for (const r of won)
		t.after(() => dropCooperatives(r.json.id));
	assert.equal(won.length, 1, coops.map((r) => r.status).join());
	for (const r of coops.filter((x) => x.status !== 201))
		expectProblem(r, 409, 'uscc_taken');
});

test('no answer of this suite repeats a resident ID number it sent',
    () => {
	assert.ok(sentIds.size >= 20, `numbers were sent (${sentIds.size})`);
	assert.ok(answers.length >= 100, `answers were kept (${answers.length})`);
	const hits = [];
	for (const id of sentIds) {
		for (const { what, res } of answers) {
			const all = res.text + [...res.headers.values()].join('\n');
			if (all.includes(id) || all.includes(id.slice(6, 14) +
			    id.slice(14)))
				hits.push(`${maskResidentId(id)} in ${what}`);
		}
	}
	assert.deepEqual(hits, []);
});
