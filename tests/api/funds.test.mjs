/*
 * Agricultural funds (issue 5), black-box: sources and allocations, the
 * project workflow draft -> submitted -> (approved) filed -> review ->
 * in_progress -> completed -> closed with return, rectification and
 * revocation, each step in the project's history; maker-checker with
 * real township users; the township approval limit and the county's
 * setting; every refusal (source_exhausted, insufficient_funds on
 * commitments, withdrawals and payments, over_budget, not_fully_funded,
 * project_revoked, invalid_state, voucher_taken, already_reversed); the
 * balances each movement changes, exactly, the ledger entry of each, and
 * GET /funds/ledger/verify catching rows changed behind the API's back.
 *
 * Each test builds a county of its own (funds-lib.mjs world()), dropped
 * afterwards, so no test depends on the demo data's amounts or another
 * test's rows.  Races and idempotency: funds-concurrency.test.mjs; bad
 * input: funds-input.test.mjs; isolation: funds-matrix.test.mjs.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, expectFieldError, expectProblem, expectStatus, psqlOwner }
    from './lib.mjs';
import {
	DEFAULT_LIMIT_FEN, MAX_FEN, MAX_SOURCE_FEN, UUID, allocate, allocation, allocationBody,
	commit, createProject, createSource, cty, disburse, get, getTagged,
	idemKey, ledger, listAll, must, payBody, project, projectBody,
	realTownshipUser, reverse, runningProject, shanghaiDay, source, step,
	sum, twp, uniq, verify, verifyOk, vil, villageRunBody, world,
} from './funds-lib.mjs';

const COUNTY_SUB = 'api-test-county';

/* The balances of an allocation, in one comparable object. */
function money(a)
{
	return { amount: a.amount_fen, withdrawn: a.withdrawn_fen,
	    committed: a.committed_fen, disbursed: a.disbursed_fen,
	    available: a.available_fen };
}

function pmoney(p)
{
	return { budget: p.budget_fen, committed: p.committed_fen,
	    disbursed: p.disbursed_fen, remaining: p.remaining_fen };
}

function isTime(s)
{
	assert.equal(typeof s, 'string');
	assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
	assert.ok(!Number.isNaN(Date.parse(s)), s);
}

/* ------------------------------------------- sources and allocations */

test('funds: a source, allocations and a withdrawal move the balances ' +
    'exactly; the ledger has an entry for each', async (t) => {
	const w = world(t);
	const body = { name: uniq('衔接资金'), category: 'rural_revitalisation',
	    fiscal_year: 2026, total_fen: 500000000, document_no: uniq('县财') };
	const created = await must(201, 'POST', '/api/v1/fund-sources',
	    { token: cty(w), body });
	const s = created.json;
	assert.match(s.id, UUID);
	assert.equal(created.headers.get('location'),
	    `/api/v1/fund-sources/${s.id}`);
	assert.match(created.headers.get('etag') || '', /^"\d+"$/);
	for (const k of ['name', 'category', 'fiscal_year', 'total_fen',
	    'document_no'])
		assert.equal(s[k], body[k], k);
	assert.equal(s.county_code, w.county);
	assert.equal(s.allocated_fen, 0);
	assert.equal(s.unallocated_fen, 500000000);
	assert.equal(s.version, 1);
	isTime(s.created_at);

	const a1 = await must(201, 'POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(s, w.t1, 300000000) });
	assert.equal(a1.headers.get('location'),
	    `/api/v1/fund-allocations/${a1.json.id}`);
	const A1 = a1.json;
	assert.equal(A1.township_code, w.t1);
	assert.equal(A1.county_code, w.county);
	assert.equal(A1.source_id, s.id);
	assert.equal(A1.source_name, body.name);
	assert.equal(A1.fiscal_year, 2026, 'the year of the source');
	assert.equal(A1.created_by, COUNTY_SUB);
	assert.deepEqual(money(A1), { amount: 300000000, withdrawn: 0,
	    committed: 0, disbursed: 0, available: 300000000 });
	const A2 = await allocate(w, s, 150000000, { township: w.t2 });
	/* The same document number twice for one township and source. */
	expectFieldError(await api('POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(s, w.t1, 1,
	    { document_no: A1.document_no }) }), '/document_no',
	    'document_taken', { status: 409, code: 'document_taken' });
	let S = await source(w, s);
	assert.equal(S.allocated_fen, 450000000);
	assert.equal(S.unallocated_fen, 50000000);

	/* One fen more than is left: source_exhausted, nothing changes. */
	expectFieldError(await api('POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(s, w.t2, 50000001) }),
	    '/amount_fen', 'source_exhausted',
	    { status: 409, code: 'source_exhausted' });
	assert.equal((await source(w, s)).allocated_fen, 450000000);
	/* Exactly what is left is fine. */
	const A3 = await allocate(w, s, 50000000, { township: w.t2 });
	S = await source(w, s);
	assert.equal(S.unallocated_fen, 0);
	expectFieldError(await api('POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(s, w.t1, 1) }),
	    '/amount_fen', 'source_exhausted',
	    { status: 409, code: 'source_exhausted' });


	/* A withdrawal gives money back to the source. */
	const wd = await must(200, 'POST',
	    `/api/v1/fund-allocations/${A1.id}/withdrawals`,
	    { token: cty(w), body: { amount_fen: 20000000,
	    reason: '项目调整收回' } });
	assert.deepEqual(money(wd.json), { amount: 300000000,
	    withdrawn: 20000000, committed: 0, disbursed: 0,
	    available: 280000000 });
	assert.equal((await source(w, s)).allocated_fen, 480000000);
	expectFieldError(await api('POST',
	    `/api/v1/fund-allocations/${A1.id}/withdrawals`,
	    { token: cty(w), body: { amount_fen: 280000001, reason: '超额' } }),
	    '/amount_fen', 'insufficient_funds',
	    { status: 409, code: 'insufficient_funds' });
	assert.deepEqual(money(await allocation(w, A1)), { amount: 300000000,
	    withdrawn: 20000000, committed: 0, disbursed: 0,
	    available: 280000000 });

	/* The total cannot go below what is allocated. */
	const tagged = await getTagged(cty(w), `/api/v1/fund-sources/${s.id}`);
	expectFieldError(await api('PATCH', `/api/v1/fund-sources/${s.id}`,
	    { token: cty(w), body: { total_fen: 479999999 },
	    headers: { 'if-match': tagged.etag } }), '/total_fen',
	    'below_allocated', { status: 409, code: 'below_allocated' });
	const up = await must(200, 'PATCH', `/api/v1/fund-sources/${s.id}`,
	    { token: cty(w), body: { total_fen: 480000000, name: '改名来源' },
	    headers: { 'if-match': tagged.etag } });
	assert.equal(up.json.total_fen, 480000000);
	assert.equal(up.json.unallocated_fen, 0);
	assert.equal(up.json.name, '改名来源');
	assert.equal(up.json.version, tagged.json.version + 1);

	/* The township sees its allocation, not the other township's. */
	const mine = await listAll(twp(w), '/api/v1/fund-allocations');
	assert.deepEqual(mine.map((x) => x.id).sort(), [A1.id]);
	const t2 = await listAll(cty(w),
	    `/api/v1/fund-allocations?township_code=${w.t2}`);
	assert.deepEqual(t2.map((x) => x.id).sort(), [A2.id, A3.id].sort());

	/* Ledger: three allocations and a withdrawal, nothing else. */
	const L = await ledger(w);
	assert.deepEqual(L.map((e) => [e.kind, e.allocation_id, e.amount_fen]),
	    [['allocation', A1.id, 300000000],
	    ['allocation', A2.id, 150000000],
	    ['allocation', A3.id, 50000000],
	    ['withdrawal', A1.id, 20000000]]);
	for (const e of L) {
		assert.equal(e.source_id, s.id);
		assert.equal(e.county_code, w.county);
		assert.equal(e.project_id, null);
		assert.equal(e.actor_sub, COUNTY_SUB);
		assert.equal(e.actor_role, 'county');
		isTime(e.at);
	}
	assert.ok(L[0].id < L[1].id && L[1].id < L[2].id && L[2].id < L[3].id,
	    'ascending ledger ids');
	const only = await ledger(w, `allocation_id=${A1.id}`);
	assert.deepEqual(only.map((e) => e.kind), ['allocation', 'withdrawal']);
	const wds = await ledger(w, 'kind=withdrawal');
	assert.deepEqual(wds.map((e) => e.amount_fen), [20000000]);
	const v = await verifyOk(w);
	assert.equal(v.checked.entries, 4, JSON.stringify(v.checked));
});

/* ----------------------------------------------------- the workflow */

test('funds: the whole workflow draft -> closed, each step in the ' +
    'history with who, when, reason, before and after', async (t) => {
	const w = world(t);
	const maker = twp(w, { sub: 'wf-maker' });
	const checker = twp(w, { sub: 'wf-checker' });
	const s = await createSource(w);
	const a = await allocate(w, s, 5000000);
	const body = projectBody({ budget_fen: 2000000, village_code: w.v1 });
	const res = await must(201, 'POST', '/api/v1/fund-projects',
	    { token: maker, body });
	assert.equal(res.headers.get('location'),
	    `/api/v1/fund-projects/${res.json.id}`);
	let p = res.json;
	for (const k of Object.keys(body))
		assert.equal(p[k], body[k], k);
	assert.equal(p.status, 'draft');
	assert.equal(p.township_code, w.t1);
	assert.equal(p.county_code, w.county);
	assert.equal(p.created_by, 'wf-maker');
	assert.deepEqual(pmoney(p), { budget: 2000000, committed: 0,
	    disbursed: 0, remaining: 0 });
	assert.deepEqual(p.funding_lines, []);
	for (const k of ['approval_level', 'submitted_by', 'approved_by',
	    'filed_at', 'reviewed_by', 'actual_cost_fen', 'completed_on'])
		assert.equal(p[k], null, k);

	p = await commit(maker, p, a, 2000000);
	assert.equal(p.committed_fen, 2000000);
	assert.equal(p.funding_lines.length, 1);
	const line = p.funding_lines[0];
	assert.equal(line.allocation_id, a.id);
	assert.equal(line.source_id, s.id);
	assert.equal(line.committed_fen, 2000000);
	assert.equal(line.disbursed_fen, 0);
	assert.equal(line.released_fen, 0);

	p = await step(maker, p, 'submit');
	assert.equal(p.status, 'submitted');
	assert.equal(p.submitted_by, 'wf-maker');
	isTime(p.submitted_at);
	p = await step(checker, p, 'approve');
	assert.equal(p.status, 'filed', 'an approval files the project');
	assert.equal(p.approval_level, 'township');
	assert.equal(p.approved_by, 'wf-checker');
	isTime(p.approved_at);
	isTime(p.filed_at);

	/* The county sees the filing, pending its review. */
	const filings = await listAll(cty(w), '/api/v1/fund-filings');
	assert.equal(filings.length, 1);
	const fl = filings[0];
	assert.equal(fl.project_id, p.id);
	assert.equal(fl.status, 'pending_review');
	assert.equal(fl.title, body.title);
	assert.equal(fl.budget_fen, 2000000);
	assert.equal(fl.approval_level, 'township');
	assert.equal(fl.approved_by, 'wf-checker');
	assert.equal(fl.age_days, 0);
	assert.equal(fl.township_code, w.t1);
	assert.equal(fl.village_code, w.v1);

	p = await step(cty(w), p, 'review', { decision: 'passed' });
	assert.equal(p.status, 'review_passed');
	assert.equal(p.reviewed_by, COUNTY_SUB);
	isTime(p.reviewed_at);
	const fl2 = await listAll(cty(w), '/api/v1/fund-filings');
	assert.equal(fl2[0].status, 'review_passed');
	assert.equal(fl2[0].reviewed_by, COUNTY_SUB);
	assert.deepEqual((await listAll(cty(w),
	    '/api/v1/fund-filings?status=pending_review')), []);

	p = await step(maker, p, 'start');
	assert.equal(p.status, 'in_progress');
	const pay = await disburse(maker, p, payBody(1500000));
	expectStatus(pay, 201);
	p = await step(maker, p, 'complete', { actual_cost_fen: 1900000,
	    completed_on: shanghaiDay(-1) });
	assert.equal(p.status, 'completed');
	assert.equal(p.actual_cost_fen, 1900000);
	assert.equal(p.completed_on, shanghaiDay(-1));
	/* Payments go on after acceptance (the final instalment). */
	expectStatus(await disburse(maker, p, payBody(400000)), 201);
	p = await step(maker, p, 'close');
	assert.equal(p.status, 'closed');
	/* Closing released what was not paid. */
	assert.deepEqual(pmoney(p), { budget: 2000000, committed: 1900000,
	    disbursed: 1900000, remaining: 0 });
	assert.equal(p.funding_lines[0].released_fen, 100000);
	assert.deepEqual(money(await allocation(w, a)), { amount: 5000000,
	    withdrawn: 0, committed: 1900000, disbursed: 1900000,
	    available: 3100000 });
	/* Closed is final. */
	for (const act of ['start', 'submit', 'close'])
		expectProblem(await api('POST',
		    `/api/v1/fund-projects/${p.id}/${act}`, { token: maker }),
		    409, 'invalid_state');
	expectProblem(await disburse(maker, p, payBody(1)), 409,
	    'invalid_state');

	const h = await listAll(cty(w), `/api/v1/fund-projects/${p.id}/history`);
	assert.deepEqual(h.map((e) => [e.action, e.from_status, e.to_status,
	    e.actor_sub]), [
		['create', null, 'draft', 'wf-maker'],
		['submit', 'draft', 'submitted', 'wf-maker'],
		['approve', 'submitted', 'approved', 'wf-checker'],
		['file', 'approved', 'filed', 'system'],
		['review', 'filed', 'review_passed', COUNTY_SUB],
		['start', 'review_passed', 'in_progress', 'wf-maker'],
		['complete', 'in_progress', 'completed', 'wf-maker'],
		['close', 'completed', 'closed', 'wf-maker'],
	]);
	let last = 0;
	for (const e of h) {
		assert.equal(e.project_id, p.id);
		isTime(e.at);
		assert.ok(Date.parse(e.at) >= last, 'in time order');
		last = Date.parse(e.at);
		assert.ok(e.after && typeof e.after === 'object');
		assert.ok(!('funding_lines' in e.after), 'no lines in history');
		assert.equal(e.after.id, p.id);
		if (e.action !== 'create') {
			assert.equal(e.before.status, e.from_status === 'approved' ?
			    'submitted' : e.from_status);
		}
	}
	assert.equal(h[2].actor_role, 'township');
	assert.equal(h[4].actor_role, 'county');
	assert.equal(h[2].after.status, 'filed');
	assert.equal(h[2].after.approved_by, 'wf-checker');
	assert.equal(h[2].before.approved_by, null);
	assert.equal(h[6].after.actual_cost_fen, 1900000);
	assert.equal(h[6].before.actual_cost_fen, null);
	assert.equal(h[7].before.status, 'completed');
	/* The township and the village read the same history. */
	const ht = await listAll(maker, `/api/v1/fund-projects/${p.id}/history`);
	assert.deepEqual(ht.map((e) => e.id), h.map((e) => e.id));
	const hv = await listAll(vil(w), `/api/v1/fund-projects/${p.id}/history`);
	assert.deepEqual(hv.map((e) => e.id), h.map((e) => e.id));
	await verifyOk(w);
});

test('funds: maker-checker: the township user who submitted cannot ' +
    'approve, another township user can (real users, password sign-in)',
    async (t) => {
	const w = world(t);
	const u1 = await realTownshipUser(w);
	const u2 = await realTownshipUser(w);
	assert.notEqual(u1.sub, u2.sub);
	const s = await createSource(w);
	const a = await allocate(w, s, 1000000);
	let p = await createProject(u1.token, { budget_fen: 800000 });
	p = await commit(u1.token, p, a, 800000);
	p = await step(u1.token, p, 'submit');
	assert.equal(p.submitted_by, u1.sub);
	const refused = await api('POST',
	    `/api/v1/fund-projects/${p.id}/approve`, { token: u1.token });
	expectProblem(refused, 403, 'maker_checker');
	/* The refusal changed nothing. */
	const still = await project(u1.token, p);
	assert.equal(still.status, 'submitted');
	assert.equal(still.approved_by, null);
	assert.equal(still.version, p.version);
	assert.deepEqual(await listAll(cty(w), '/api/v1/fund-filings'), []);
	p = await step(u2.token, p, 'approve');
	assert.equal(p.status, 'filed');
	assert.equal(p.approved_by, u2.sub);
	assert.equal(p.submitted_by, u1.sub);
	/* The history names the approver, and only once. */
	const h = await listAll(cty(w), `/api/v1/fund-projects/${p.id}/history`);
	assert.deepEqual(h.filter((e) => e.action === 'approve')
	    .map((e) => e.actor_sub), [u2.sub]);

	/* A re-submission after rectification: maker-checker again. */
	p = await step(cty(w), p, 'review', { decision:
	    'rectification_required', reason: '请补充施工图' });
	p = await step(u2.token, p, 'submit');
	assert.equal(p.submitted_by, u2.sub);
	expectProblem(await api('POST', `/api/v1/fund-projects/${p.id}/approve`,
	    { token: u2.token }), 403, 'maker_checker');
	p = await step(u1.token, p, 'approve');
	assert.equal(p.approved_by, u1.sub);
	assert.equal(p.status, 'filed');
});

test('funds: a submitted project is returned to draft with a reason, ' +
    'changed and submitted again', async (t) => {
	const w = world(t);
	const maker = twp(w, { sub: 'ret-maker' });
	const checker = twp(w, { sub: 'ret-checker' });
	const s = await createSource(w);
	const a = await allocate(w, s, 1000000);
	let p = await createProject(maker, { budget_fen: 600000 });
	p = await commit(maker, p, a, 600000);
	p = await step(maker, p, 'submit');
	/* Content is frozen once submitted. */
	const frozen = await getTagged(maker, `/api/v1/fund-projects/${p.id}`);
	expectProblem(await api('PATCH', `/api/v1/fund-projects/${p.id}`,
	    { token: maker, body: { title: '改不了' },
	    headers: { 'if-match': frozen.etag } }), 409, 'invalid_state');
	/* A return needs a reason. */
	expectFieldError(await api('POST', `/api/v1/fund-projects/${p.id}/return`,
	    { token: checker, body: {} }), '/reason');
	p = await step(checker, p, 'return', { reason: '预算说明不全' });
	assert.equal(p.status, 'draft');
	const tagged = await getTagged(maker, `/api/v1/fund-projects/${p.id}`);
	const patched = await must(200, 'PATCH', `/api/v1/fund-projects/${p.id}`,
	    { token: maker, body: { title: '补充后的项目' },
	    headers: { 'if-match': tagged.etag } });
	assert.equal(patched.json.title, '补充后的项目');
	assert.equal(patched.json.version, tagged.json.version + 1);
	p = await step(maker, p, 'submit');
	p = await step(checker, p, 'approve');
	assert.equal(p.status, 'filed');
	const h = await listAll(maker, `/api/v1/fund-projects/${p.id}/history`);
	const ret = h.find((e) => e.action === 'return');
	assert.ok(ret, JSON.stringify(h));
	assert.equal(ret.reason, '预算说明不全');
	assert.equal(ret.actor_sub, 'ret-checker');
	assert.equal(ret.from_status, 'submitted');
	assert.equal(ret.to_status, 'draft');
	assert.equal(ret.before.status, 'submitted');
	assert.equal(ret.after.status, 'draft');
	assert.deepEqual(h.map((e) => e.action), ['create', 'submit', 'return',
	    'submit', 'approve', 'file']);
	/* Only a submitted project is returned. */
	expectProblem(await api('POST', `/api/v1/fund-projects/${p.id}/return`,
	    { token: checker, body: { reason: '太晚了' } }), 409,
	    'invalid_state');
});

test('funds: rectification_required goes back to the township with the ' +
    "county's reason; after changes it is re-submitted and passes",
    async (t) => {
	const w = world(t);
	const maker = twp(w, { sub: 'rect-maker' });
	const checker = twp(w, { sub: 'rect-checker' });
	const s = await createSource(w);
	const a = await allocate(w, s, 3000000);
	let p = await createProject(maker, { budget_fen: 1000000 });
	p = await commit(maker, p, a, 1000000);
	p = await step(maker, p, 'submit');
	p = await step(checker, p, 'approve');
	/* A reason is required for anything but passed. */
	for (const decision of ['rectification_required', 'revoked']) {
		expectFieldError(await api('POST',
		    `/api/v1/fund-projects/${p.id}/review`,
		    { token: cty(w), body: { decision } }), '/reason');
	}
	p = await step(cty(w), p, 'review', { decision:
	    'rectification_required', reason: '选址与规划不符' });
	assert.equal(p.status, 'rectification_required');
	assert.equal(p.review_reason, '选址与规划不符');
	assert.equal(p.reviewed_by, COUNTY_SUB);
	const fl = await listAll(cty(w), '/api/v1/fund-filings');
	assert.equal(fl.length, 1);
	assert.equal(fl[0].status, 'rectification_required');
	assert.equal(fl[0].reason, '选址与规划不符');

	/* Changes and more money are allowed again. */
	const tagged = await getTagged(maker, `/api/v1/fund-projects/${p.id}`);
	const up = await must(200, 'PATCH', `/api/v1/fund-projects/${p.id}`,
	    { token: maker, body: { budget_fen: 1200000,
	    planned_end: '2026-11-30' }, headers: { 'if-match': tagged.etag } });
	assert.equal(up.json.budget_fen, 1200000);
	p = await commit(maker, p, a, 200000);
	assert.equal(p.committed_fen, 1200000);
	assert.equal(p.funding_lines.length, 1, 'one line per allocation');
	assert.equal(p.funding_lines[0].committed_fen, 1200000);
	p = await step(maker, p, 'submit');
	assert.equal(p.status, 'submitted');
	p = await step(checker, p, 'approve');
	assert.equal(p.status, 'filed');
	p = await step(cty(w), p, 'review', { decision: 'passed' });
	assert.equal(p.status, 'review_passed');
	const fl2 = await listAll(cty(w), '/api/v1/fund-filings');
	assert.deepEqual(fl2.map((x) => x.status).sort(),
	    ['rectification_required', 'review_passed']);
	const h = await listAll(cty(w), `/api/v1/fund-projects/${p.id}/history`);
	assert.deepEqual(h.map((e) => `${e.action}:${e.to_status}`), [
	    'create:draft', 'submit:submitted', 'approve:approved',
	    'file:filed', 'review:rectification_required',
	    'resubmit:submitted', 'approve:approved', 'file:filed',
	    'review:review_passed']);
	const rect = h[4];
	assert.equal(rect.reason, '选址与规划不符');
	assert.equal(rect.actor_sub, COUNTY_SUB);
	assert.equal(rect.actor_role, 'county');
	assert.equal(rect.before.status, 'filed');
	assert.equal(rect.after.status, 'rectification_required');
	assert.equal(rect.after.review_reason, '选址与规划不符');
	const resub = h[5];
	assert.equal(resub.before.budget_fen, 1200000);
	assert.equal(resub.actor_sub, 'rect-maker');
	await verifyOk(w);
});

test('funds: revoking releases every commitment (available_fen comes ' +
    'back) and a revoked project can never be paid', async (t) => {
	const w = world(t);
	const maker = twp(w, { sub: 'rev-maker' });
	const checker = twp(w, { sub: 'rev-checker' });
	const s1 = await createSource(w);
	const s2 = await createSource(w, { category: 'livelihood' });
	const a1 = await allocate(w, s1, 1000000);
	const a2 = await allocate(w, s2, 1000000);
	let p = await createProject(maker, { budget_fen: 1500000 });
	p = await commit(maker, p, a1, 900000);
	p = await commit(maker, p, a2, 600000);
	assert.deepEqual(money(await allocation(w, a1)), { amount: 1000000,
	    withdrawn: 0, committed: 900000, disbursed: 0, available: 100000 });
	assert.equal((await allocation(w, a2)).available_fen, 400000);
	p = await step(maker, p, 'submit');
	p = await step(checker, p, 'approve');
	p = await step(cty(w), p, 'review', { decision: 'revoked',
	    reason: '重复立项' });
	assert.equal(p.status, 'revoked');
	assert.equal(p.review_reason, '重复立项');
	assert.equal(p.committed_fen, 0);
	assert.deepEqual(p.funding_lines.map((l) => [l.allocation_id,
	    l.committed_fen, l.released_fen]).sort(), [[a1.id, 0, 900000],
	    [a2.id, 0, 600000]].sort());
	assert.deepEqual(money(await allocation(w, a1)), { amount: 1000000,
	    withdrawn: 0, committed: 0, disbursed: 0, available: 1000000 });
	assert.deepEqual(money(await allocation(w, a2)), { amount: 1000000,
	    withdrawn: 0, committed: 0, disbursed: 0, available: 1000000 });
	const rel = await ledger(w, `project_id=${p.id}&kind=release`);
	assert.deepEqual(rel.map((e) => [e.allocation_id, e.amount_fen]).sort(),
	    [[a1.id, 900000], [a2.id, 600000]].sort());
	for (const e of rel)
		assert.equal(e.actor_role, 'county');
	expectProblem(await disburse(maker, p, payBody(1)), 409,
	    'project_revoked');
	for (const act of ['start', 'submit'])
		expectProblem(await api('POST',
		    `/api/v1/fund-projects/${p.id}/${act}`, { token: maker }),
		    409, 'invalid_state');
	expectProblem(await api('POST',
	    `/api/v1/fund-projects/${p.id}/funding-lines`, { token: maker,
	    body: { allocation_id: a1.id, amount_fen: 1 } }), 409,
	    'invalid_state');
	const h = await listAll(maker, `/api/v1/fund-projects/${p.id}/history`);
	const last = h[h.length - 1];
	assert.equal(last.action, 'review');
	assert.equal(last.to_status, 'revoked');
	assert.equal(last.reason, '重复立项');
	const fl = await listAll(cty(w), '/api/v1/fund-filings?status=revoked');
	assert.deepEqual(fl.map((x) => x.project_id), [p.id]);
	await verifyOk(w);
});

/* ------------------------------------------------ the approval limit */

test('funds: above the township approval limit the county approves; ' +
    'PATCH /funds/settings moves the limit', async (t) => {
	const w = world(t);
	const maker = twp(w, { sub: 'lim-maker' });
	const checker = twp(w, { sub: 'lim-checker' });
	const st = await getTagged(cty(w), '/api/v1/funds/settings');
	assert.equal(st.json.county_code, w.county);
	assert.equal(st.json.township_approval_limit_fen, DEFAULT_LIMIT_FEN);
	assert.deepEqual(await get(maker, '/api/v1/funds/settings'), st.json);

	const s = await createSource(w, { total_fen: 500000000 });
	const a = await allocate(w, s, 200000000);
	const mk = async (budget) => {
		let p = await createProject(maker, { budget_fen: budget });
		p = await commit(maker, p, a, budget);
		return step(maker, p, 'submit');
	};
	/* At the limit: the township approves. */
	const atLimit = await step(checker, await mk(DEFAULT_LIMIT_FEN),
	    'approve');
	assert.equal(atLimit.approval_level, 'township');
	/* One fen above: the county. */
	const above = await mk(DEFAULT_LIMIT_FEN + 1);
	expectProblem(await api('POST',
	    `/api/v1/fund-projects/${above.id}/approve`, { token: checker }),
	    403, 'approval_limit');
	assert.equal((await project(maker, above)).status, 'submitted');
	const byCounty = await step(cty(w), above, 'approve');
	assert.equal(byCounty.status, 'filed');
	assert.equal(byCounty.approval_level, 'county');
	assert.equal(byCounty.approved_by, COUNTY_SUB);
	const fl = (await listAll(cty(w), '/api/v1/fund-filings'))
	    .find((x) => x.project_id === above.id);
	assert.equal(fl.approval_level, 'county');

	/* If-Match is required, a stale one refused. */
	const noIf = await api('PATCH', '/api/v1/funds/settings',
	    { token: cty(w), body: { township_approval_limit_fen: 60000000 } });
	expectProblem(noIf, 428);
	const up = await must(200, 'PATCH', '/api/v1/funds/settings',
	    { token: cty(w), body: { township_approval_limit_fen: 60000000 },
	    headers: { 'if-match': st.etag } });
	assert.equal(up.json.township_approval_limit_fen, 60000000);
	assert.equal(up.json.version, st.json.version + 1);
	expectProblem(await api('PATCH', '/api/v1/funds/settings',
	    { token: cty(w), body: { township_approval_limit_fen: 1 },
	    headers: { 'if-match': st.etag } }), 412, 'precondition_failed');
	assert.equal((await get(maker, '/api/v1/funds/settings'))
	    .township_approval_limit_fen, 60000000);
	/* Townships do not set it. */
	expectProblem(await api('PATCH', '/api/v1/funds/settings',
	    { token: maker, body: { township_approval_limit_fen: 1 },
	    headers: { 'if-match': up.headers.get('etag') } }), 403);

	const now = await mk(DEFAULT_LIMIT_FEN + 1);
	const ok = await step(checker, now, 'approve');
	assert.equal(ok.approval_level, 'township');
	const over = await mk(60000001);
	expectProblem(await api('POST',
	    `/api/v1/fund-projects/${over.id}/approve`, { token: checker }),
	    403, 'approval_limit');

	/* Lowering it below a submitted budget: the county approves that. */
	const cur = await getTagged(cty(w), '/api/v1/funds/settings');
	await must(200, 'PATCH', '/api/v1/funds/settings', { token: cty(w),
	    body: { township_approval_limit_fen: 100 },
	    headers: { 'if-match': cur.etag } });
	const small = await mk(101);
	expectProblem(await api('POST',
	    `/api/v1/fund-projects/${small.id}/approve`, { token: checker }),
	    403, 'approval_limit');
	const tiny = await mk(100);
	assert.equal((await step(checker, tiny, 'approve')).status, 'filed');
	/* Another county's limit did not move. */
	const other = world(t);
	assert.equal((await get(cty(other), '/api/v1/funds/settings'))
	    .township_approval_limit_fen, DEFAULT_LIMIT_FEN);
});

/* ------------------------------------------------------ commitments */

test('funds: commitments: insufficient_funds beyond the allocation, ' +
    'over_budget beyond the budget, invalid_state once approved',
    async (t) => {
	const w = world(t);
	const maker = twp(w);
	const s = await createSource(w);
	const a = await allocate(w, s, 1000000);
	const b = await allocate(w, s, 500000);
	const p1 = await createProject(maker, { budget_fen: 3000000 });
	let p = await commit(maker, p1, a, 700000);
	assert.equal((await allocation(w, a)).available_fen, 300000);
	/* One fen more than the allocation has left. */
	const nsf = await api('POST',
	    `/api/v1/fund-projects/${p.id}/funding-lines`, { token: maker,
	    body: { allocation_id: a.id, amount_fen: 300001 } });
	expectFieldError(nsf, '/amount_fen', 'insufficient_funds',
	    { status: 409, code: 'insufficient_funds' });
	assert.deepEqual(money(await allocation(w, a)), { amount: 1000000,
	    withdrawn: 0, committed: 700000, disbursed: 0, available: 300000 });
	assert.equal((await project(maker, p)).committed_fen, 700000);
	/* Another project takes the rest exactly. */
	const p2 = await createProject(maker, { budget_fen: 300000 });
	await commit(maker, p2, a, 300000);
	assert.equal((await allocation(w, a)).available_fen, 0);
	expectFieldError(await api('POST',
	    `/api/v1/fund-projects/${p.id}/funding-lines`, { token: maker,
	    body: { allocation_id: a.id, amount_fen: 1 } }), '/amount_fen',
	    'insufficient_funds', { status: 409, code: 'insufficient_funds' });
	/* A withdrawal cannot take committed money either. */
	expectFieldError(await api('POST',
	    `/api/v1/fund-allocations/${a.id}/withdrawals`, { token: cty(w),
	    body: { amount_fen: 1, reason: '收回' } }), '/amount_fen',
	    'insufficient_funds', { status: 409, code: 'insufficient_funds' });

	/* Over the budget, though the allocation has money. */
	const small = await createProject(maker, { budget_fen: 200000 });
	await commit(maker, small, b, 150000);
	expectFieldError(await api('POST',
	    `/api/v1/fund-projects/${small.id}/funding-lines`, { token: maker,
	    body: { allocation_id: b.id, amount_fen: 50001 } }), '/amount_fen',
	    'over_budget', { status: 409, code: 'over_budget' });
	p = await commit(maker, small, b, 50000);
	assert.equal(p.committed_fen, 200000);
	assert.equal((await allocation(w, b)).available_fen, 300000);
	/* The budget cannot drop below what is committed. */
	const tg = await getTagged(maker, `/api/v1/fund-projects/${p.id}`);
	expectFieldError(await api('PATCH', `/api/v1/fund-projects/${p.id}`,
	    { token: maker, body: { budget_fen: 199999 },
	    headers: { 'if-match': tg.etag } }), '/budget_fen', undefined,
	    { status: 409, code: 'below_committed' });

	/* The category may change in draft, commitments and all: the
	 * reports read it from the project. */
	const moved = await api('PATCH', `/api/v1/fund-projects/${p.id}`,
	    { token: maker, body: { category: 'sanitation' },
	    headers: { 'if-match': tg.etag } });
	assert.equal(moved.status, 200, JSON.stringify(moved.json));
	assert.equal(moved.json.category, 'sanitation');
	assert.equal(moved.json.committed_fen, 200000);
	p = moved.json;

	/* Once approved, no more commitments. */
	p = await step(maker, p, 'submit');
	p = await step(twp(w, { sub: 'other' }), p, 'approve');
	expectProblem(await api('POST',
	    `/api/v1/fund-projects/${p.id}/funding-lines`, { token: maker,
	    body: { allocation_id: b.id, amount_fen: 1 } }), 409,
	    'invalid_state');
	/* An allocation of another township is not there. */
	const other = await allocate(w, s, 100000, { township: w.t2 });
	const mine = await createProject(maker, { budget_fen: 100000 });
	expectProblem(await api('POST',
	    `/api/v1/fund-projects/${mine.id}/funding-lines`, { token: maker,
	    body: { allocation_id: other.id, amount_fen: 1 } }), 404,
	    'not_found');
	assert.equal((await allocation(w, other)).committed_fen, 0);
	const L = await ledger(w, 'kind=commitment');
	assert.equal(sum(L), 700000 + 300000 + 150000 + 50000);
	await verifyOk(w);
});

test('funds: not_fully_funded: a project is approved only when its ' +
    'funding lines commit the whole budget', async (t) => {
	const w = world(t);
	const maker = twp(w);
	const checker = twp(w, { sub: 'nff-checker' });
	const s = await createSource(w);
	const a = await allocate(w, s, 1000000);
	let p = await createProject(maker, { budget_fen: 500000 });
	p = await step(maker, p, 'submit');
	expectProblem(await api('POST', `/api/v1/fund-projects/${p.id}/approve`,
	    { token: checker }), 409, 'not_fully_funded');
	/* Money can still be committed while submitted. */
	p = await commit(maker, p, a, 499999);
	expectProblem(await api('POST', `/api/v1/fund-projects/${p.id}/approve`,
	    { token: checker }), 409, 'not_fully_funded');
	assert.equal((await project(maker, p)).status, 'submitted');
	p = await commit(maker, p, a, 1);
	p = await step(checker, p, 'approve');
	assert.equal(p.status, 'filed');
});

/* ---------------------------------------------------- disbursements */

test('funds: payments and reversals move the balances exactly; the ' +
    'ledger lists each entry; a payment spans funding lines',
    async (t) => {
	const w = world(t);
	const maker = twp(w, { sub: 'pay-maker' });
	const checker = twp(w, { sub: 'pay-checker' });
	const s1 = await createSource(w);
	const s2 = await createSource(w);
	const a1 = await allocate(w, s1, 700000);
	const a2 = await allocate(w, s2, 900000);
	let p = await createProject(maker, { budget_fen: 1000000 });
	p = await commit(maker, p, a1, 600000);
	p = await commit(maker, p, a2, 400000);
	p = await step(maker, p, 'submit');
	p = await step(checker, p, 'approve');
	p = await step(cty(w), p, 'review', { decision: 'passed' });
	/* Not yet started: no payment. */
	expectProblem(await disburse(maker, p, payBody(1)), 409,
	    'invalid_state');
	p = await step(maker, p, 'start');

	const body = payBody(250000, { payee_name: '第一期进度款' });
	const r1 = await disburse(maker, p, body);
	expectStatus(r1, 201);
	const d1 = r1.json;
	assert.equal(r1.headers.get('location'), `/api/v1/disbursements/${d1.id}`);
	for (const k of Object.keys(body))
		assert.equal(d1[k], body[k], k);
	assert.equal(d1.kind, 'payment');
	assert.equal(d1.project_id, p.id);
	assert.equal(d1.township_code, w.t1);
	assert.equal(d1.reverses_id, null);
	assert.equal(d1.reversed_by, null);
	assert.equal(d1.created_by, 'pay-maker');
	assert.deepEqual(await get(maker, `/api/v1/disbursements/${d1.id}`), d1);
	p = await project(maker, p);
	assert.deepEqual(pmoney(p), { budget: 1000000, committed: 1000000,
	    disbursed: 250000, remaining: 750000 });

	/* 500000 more: the first line has 350000 left, the rest from a2. */
	const d2 = (await disburse(maker, p, payBody(500000))).json;
	assert.equal(d2.amount_fen, 500000);
	p = await project(maker, p);
	assert.equal(p.disbursed_fen, 750000);
	const byAlloc = Object.fromEntries(p.funding_lines.map((l) =>
	    [l.allocation_id, l]));
	assert.equal(byAlloc[a1.id].disbursed_fen +
	    byAlloc[a2.id].disbursed_fen, 750000);
	const A1 = await allocation(w, a1), A2 = await allocation(w, a2);
	assert.equal(A1.disbursed_fen, byAlloc[a1.id].disbursed_fen);
	assert.equal(A2.disbursed_fen, byAlloc[a2.id].disbursed_fen);
	assert.equal(A1.disbursed_fen + A2.disbursed_fen, 750000);
	/* Paying does not change what is available to commit. */
	assert.equal(A1.available_fen, 100000);
	assert.equal(A2.available_fen, 500000);
	assert.equal(A1.committed_fen, 600000);

	const dl = await ledger(w, `project_id=${p.id}&kind=disbursement`);
	assert.equal(sum(dl), 750000);
	assert.deepEqual([...new Set(dl.map((e) => e.disbursement_id))].sort(),
	    [d1.id, d2.id].sort());
	assert.equal(sum(dl.filter((e) => e.disbursement_id === d2.id)), 500000);
	for (const e of dl) {
		assert.equal(e.project_id, p.id);
		assert.match(e.funding_line_id, UUID);
		assert.equal(e.actor_sub, 'pay-maker');
	}

	/* A reversal restores every counter it touched. */
	const rv = await reverse(maker, d2, '金额录入错误');
	expectStatus(rv, 201);
	const r = rv.json;
	assert.equal(rv.headers.get('location'), `/api/v1/disbursements/${r.id}`);
	assert.equal(r.kind, 'reversal');
	assert.equal(r.reverses_id, d2.id);
	assert.equal(r.amount_fen, 500000);
	assert.equal(r.reason, '金额录入错误');
	assert.equal((await get(maker, `/api/v1/disbursements/${d2.id}`))
	    .reversed_by, r.id);
	p = await project(maker, p);
	assert.deepEqual(pmoney(p), { budget: 1000000, committed: 1000000,
	    disbursed: 250000, remaining: 750000 });
	assert.equal((await allocation(w, a1)).disbursed_fen +
	    (await allocation(w, a2)).disbursed_fen, 250000);
	const rl = await ledger(w, `project_id=${p.id}&kind=reversal`);
	assert.equal(sum(rl), 500000);
	assert.ok(rl.every((e) => e.disbursement_id === r.id));
	assert.deepEqual(rl.map((e) => [e.funding_line_id, e.amount_fen]).sort(),
	    dl.filter((e) => e.disbursement_id === d2.id)
	    .map((e) => [e.funding_line_id, e.amount_fen]).sort(),
	    'a reversal reverses exactly its payment\'s entries');
	/* The list of the project's disbursements: both kinds, filterable. */
	const all = await listAll(maker,
	    `/api/v1/fund-projects/${p.id}/disbursements`);
	assert.deepEqual(all.map((x) => x.id).sort(), [d1.id, d2.id, r.id]
	    .sort());
	const revs = await listAll(cty(w),
	    `/api/v1/fund-projects/${p.id}/disbursements?kind=reversal`);
	assert.deepEqual(revs.map((x) => x.id), [r.id]);
	/* The money is payable again, exactly up to the commitment. */
	expectFieldError(await disburse(maker, p, payBody(750001)),
	    '/amount_fen', 'insufficient_funds',
	    { status: 409, code: 'insufficient_funds' });
	expectStatus(await disburse(maker, p, payBody(750000)), 201);
	p = await project(maker, p);
	assert.deepEqual(pmoney(p), { budget: 1000000, committed: 1000000,
	    disbursed: 1000000, remaining: 0 });
	expectFieldError(await disburse(maker, p, payBody(1)), '/amount_fen',
	    'insufficient_funds', { status: 409, code: 'insufficient_funds' });
	/* Every entry of the project is in the ledger, and it verifies. */
	const L = await ledger(w, `project_id=${p.id}`);
	const k = (kind) => sum(L.filter((e) => e.kind === kind));
	assert.equal(k('commitment'), 1000000);
	assert.equal(k('disbursement') - k('reversal'), 1000000);
	await verifyOk(w);

	/* The township report and the county summary show the same money. */
	const rep = await get(cty(w), `/api/v1/funds/report?township_code=${
	    w.t1}`);
	assert.deepEqual(rep.totals, { allocated_fen: 1600000,
	    committed_fen: 1000000, disbursed_fen: 1000000,
	    available_fen: 600000, utilisation_pct: 62.5 });
	assert.deepEqual(rep.by_source.map((x) => [x.source_id,
	    x.allocated_fen, x.committed_fen]).sort(), [[s1.id, 700000,
	    600000], [s2.id, 900000, 400000]].sort());
	assert.equal(sum(rep.by_source, (x) => x.disbursed_fen), 1000000);
	assert.equal((await get(maker, '/api/v1/funds/report')).totals
	    .disbursed_fen, 1000000, 'a township reads its own report');
	const cs = await get(cty(w), '/api/v1/funds/county-summary');
	const t1 = cs.townships.find((x) => x.township_code === w.t1);
	assert.equal(t1.allocated_fen, 1600000);
	assert.equal(t1.committed_fen, 1000000);
	assert.equal(t1.disbursed_fen, 1000000);
	assert.equal(t1.available_fen, 600000);
	const t2 = cs.townships.find((x) => x.township_code === w.t2);
	assert.equal(t2.allocated_fen, 0);
	assert.equal(cs.totals.disbursed_fen, 1000000);
});

test('funds: payment refusals: voucher_taken, already_reversed, a ' +
    'reversal of a reversal, payees', async (t) => {
	const w = world(t);
	const { project: p, maker } = await runningProject(w,
	    { budget: 100000 });
	const d = (await disburse(maker, p, payBody(10000,
	    { voucher_no: `V-${w.county}-1` }))).json;
	/* The same voucher number again (another key): refused. */
	const dup = await disburse(maker, p, payBody(10000,
	    { voucher_no: `V-${w.county}-1` }));
	expectFieldError(dup, '/voucher_no', 'voucher_taken',
	    { status: 409, code: 'voucher_taken' });
	assert.equal((await project(maker, p)).disbursed_fen, 10000);
	/* A village collective and a cooperative as payees. */
	const vc = await disburse(maker, p, payBody(2000,
	    { payee_kind: 'village_collective', payee_name: '资金一村村委会' }));
	expectStatus(vc, 201);
	assert.equal(vc.json.payee_kind, 'village_collective');
	const co = await disburse(maker, p, payBody(3000,
	    { payee_kind: 'cooperative', payee_name: '测试合作社' }));
	expectStatus(co, 201);
	assert.equal(co.json.cooperative_id, null);

	const r = await reverse(maker, d, '重复付款');
	expectStatus(r, 201);
	const again = await reverse(maker, d, '再冲一次');
	expectProblem(again, 409, 'already_reversed');
	expectProblem(await reverse(maker, r.json, '冲正的冲正'), 409,
	    'not_a_payment');
	/* The voucher of a reversed payment stays taken (history). */
	expectFieldError(await disburse(maker, p, payBody(1,
	    { voucher_no: `V-${w.county}-1` })), '/voucher_no', 'voucher_taken',
	    { status: 409, code: 'voucher_taken' });
	/* A reversal needs its reason. */
	const vc2 = vc.json;
	expectFieldError(await api('POST', `/api/v1/disbursements/${vc2.id}/reverse`,
	    { token: maker, body: {}, headers: { 'idempotency-key': idemKey() } }),
	    '/reason');
	assert.equal((await project(maker, p)).disbursed_fen, 5000);
	/* Another township's voucher numbers are its own. */
	const other = await runningProject(w, { budget: 5000,
	    township: w.t2 });
	assert.equal(other.project.township_code, w.t2);
	const theirs = await disburse(other.maker, other.project, payBody(5000,
	    { voucher_no: `V-${w.county}-1` }));
	expectStatus(theirs, 201);
	await verifyOk(w);
});

test('funds: releasing a funding line gives the money back to the ' +
    'allocation; closing releases what was not paid', async (t) => {
	const w = world(t);
	const maker = twp(w);
	const s = await createSource(w);
	const a = await allocate(w, s, 1000000);
	let p = await createProject(maker, { budget_fen: 800000 });
	p = await commit(maker, p, a, 800000);
	const line = p.funding_lines[0];
	/* A reason is required. */
	expectFieldError(await api('POST',
	    `/api/v1/funding-lines/${line.id}/release`, { token: maker,
	    body: { amount_fen: 1 } }), '/reason');
	const part = await must(200, 'POST',
	    `/api/v1/funding-lines/${line.id}/release`, { token: maker,
	    body: { amount_fen: 300000, reason: '改用其他资金' } });
	assert.equal(part.json.committed_fen, 500000);
	assert.equal(part.json.funding_lines[0].committed_fen, 500000);
	assert.equal(part.json.funding_lines[0].released_fen, 300000);
	assert.deepEqual(money(await allocation(w, a)), { amount: 1000000,
	    withdrawn: 0, committed: 500000, disbursed: 0, available: 500000 });
	expectFieldError(await api('POST',
	    `/api/v1/funding-lines/${line.id}/release`, { token: maker,
	    body: { amount_fen: 500001, reason: '太多' } }), '/amount_fen',
	    'insufficient_funds', { status: 409, code: 'insufficient_funds' });
	/* Without an amount: all that is not paid. */
	const rest = await must(200, 'POST',
	    `/api/v1/funding-lines/${line.id}/release`, { token: maker,
	    body: { reason: '项目取消' } });
	assert.equal(rest.json.committed_fen, 0);
	assert.equal(rest.json.funding_lines[0].released_fen, 800000);
	assert.equal((await allocation(w, a)).available_fen, 1000000);
	const rel = await ledger(w, `project_id=${p.id}&kind=release`);
	assert.deepEqual(rel.map((e) => e.amount_fen), [300000, 500000]);
	assert.ok(rel.every((e) => e.funding_line_id === line.id));

	/* In progress, commitments are held: no release. */
	const run = await runningProject(w, { budget: 400000 });
	const rl = run.project.funding_lines[0];
	expectProblem(await api('POST', `/api/v1/funding-lines/${rl.id}/release`,
	    { token: run.maker, body: { amount_fen: 1, reason: '提前释放' } }),
	    409, 'invalid_state');
	expectStatus(await disburse(run.maker, run.project, payBody(150000)), 201);
	await step(run.maker, run.project, 'complete', { actual_cost_fen: 150000,
	    completed_on: shanghaiDay(0) });
	const before = await allocation(w, run.alloc);
	const closed = await step(run.maker, run.project, 'close');
	assert.equal(closed.committed_fen, 150000);
	assert.equal(closed.disbursed_fen, 150000);
	assert.equal(closed.funding_lines[0].released_fen, 250000);
	const after = await allocation(w, run.alloc);
	assert.equal(after.available_fen, before.available_fen + 250000);
	assert.equal(after.committed_fen, before.committed_fen - 250000);
	await verifyOk(w);
});

test('funds: village-run works on a per-capita lump sum, proposed by the ' +
    'village, accepted with the craftsmen share', async (t) => {
	const w = world(t);
	const villager = vil(w, { sub: 'villager-1' });
	const maker = twp(w, { sub: 'vr-maker' });
	const body = villageRunBody(w.v1, { population_served: 420,
	    per_capita_fen: 1500 });
	const created = await must(201, 'POST', '/api/v1/fund-projects',
	    { token: villager, body });
	let p = created.json;
	assert.equal(p.village_code, w.v1);
	assert.equal(p.budget_fen, 630000);
	assert.equal(p.per_capita_fen, 1500);
	assert.equal(p.contractor, null);
	/* A village proposes for its own village only. */
	expectFieldError(await api('POST', '/api/v1/fund-projects',
	    { token: villager, body: villageRunBody(w.v1b) }), '/village_code');
	/* The township funds it; the village submits it. */
	const s = await createSource(w);
	const a = await allocate(w, s, 1000000);
	p = await commit(maker, p, a, 630000);
	p = await step(villager, p, 'submit');
	assert.equal(p.submitted_by, 'villager-1');
	p = await step(maker, p, 'approve');
	p = await step(cty(w), p, 'review', { decision: 'passed' });
	p = await step(maker, p, 'start');
	const paid = await disburse(maker, p, payBody(630000,
	    { payee_kind: 'village_collective', payee_name: '资金一村' }));
	expectStatus(paid, 201);
	assert.equal(paid.json.village_code, w.v1);
	/* Village-run acceptance needs the actual craftsmen share. */
	expectFieldError(await api('POST',
	    `/api/v1/fund-projects/${p.id}/complete`, { token: maker,
	    body: { actual_cost_fen: 630000, completed_on: shanghaiDay(0) } }),
	    '/actual_craftsmen_pct');
	p = await step(maker, p, 'complete', { actual_cost_fen: 630000,
	    actual_craftsmen_pct: 72, completed_on: shanghaiDay(0) });
	assert.equal(p.actual_craftsmen_pct, 72);
	/* The village follows its project and its money. */
	const seen = await project(villager, p);
	assert.equal(seen.disbursed_fen, 630000);
	const ds = await listAll(villager,
	    `/api/v1/fund-projects/${p.id}/disbursements`);
	assert.deepEqual(ds.map((x) => x.id), [paid.json.id]);
	/* A contractor project refuses the share. */
	const run = await runningProject(w, { budget: 1000 });
	expectFieldError(await api('POST',
	    `/api/v1/fund-projects/${run.project.id}/complete`, {
	    token: run.maker, body: { actual_cost_fen: 1000,
	    actual_craftsmen_pct: 10, completed_on: shanghaiDay(0) } }),
	    '/actual_craftsmen_pct');
	/* The village's report is its own projects' money only. */
	const vr = await get(villager, '/api/v1/funds/report');
	assert.equal(vr.totals.committed_fen, 630000);
	assert.equal(vr.totals.disbursed_fen, 630000);
	assert.deepEqual(vr.by_village.map((x) => x.village_code), [w.v1]);
	const tr = await get(maker, '/api/v1/funds/report');
	assert.equal(tr.totals.committed_fen, 631000, 'the township sees both');
	await verifyOk(w);
});

/* ----------------------------------------------------- verification */

test('funds: ledger verify catches a counter and a ledger amount changed ' +
    "behind the API's back (as the owner), and agrees once put back",
    async (t) => {
	const w = world(t);
	const { project: p, maker, alloc: a } = await runningProject(w,
	    { budget: 300000 });
	const d = (await disburse(maker, p, payBody(120000))).json;
	await verifyOk(w);

	/* 1. A project's disbursed counter. */
	assert.match(p.id, UUID);
	psqlOwner(`update fund_projects set disbursed_fen = 120001
	    where id = '${p.id}'`);
	let v = await verify(w);
	assert.equal(v.ok, false);
	const m = v.mismatches.find((x) => x.id === p.id &&
	    x.field === 'disbursed_fen');
	assert.ok(m, JSON.stringify(v.mismatches));
	assert.equal(typeof m.entity, 'string');
	assert.equal(Number(m.stored), 120001);
	assert.equal(Number(m.ledger), 120000);
	/* The township's own view shows the forged counter... */
	assert.equal((await project(maker, p)).disbursed_fen, 120001);
	psqlOwner(`update fund_projects set disbursed_fen = 120000
	    where id = '${p.id}'`);
	await verifyOk(w);

	/* 2. An allocation's committed counter. */
	psqlOwner(`update fund_allocations set committed_fen =
	    committed_fen - 7 where id = '${a.id}'`);
	v = await verify(w);
	assert.equal(v.ok, false);
	assert.ok(v.mismatches.some((x) => x.id === a.id &&
	    x.field === 'committed_fen' && Number(x.stored) === 299993 &&
	    Number(x.ledger) === 300000), JSON.stringify(v.mismatches));
	psqlOwner(`update fund_allocations set committed_fen =
	    committed_fen + 7 where id = '${a.id}'`);
	await verifyOk(w);

	/* 3. A ledger amount, with the append-only trigger disabled inside
	 * one owner transaction (the trigger is back on afterwards). */
	const entry = psqlOwner(`select id from fund_ledger
	    where disbursement_id = '${d.id}' and kind = 'disbursement'
	    order by id limit 1`);
	assert.match(entry, /^[0-9]+$/);
	const tamper = (delta) => psqlOwner(`begin;
	    alter table fund_ledger disable trigger fund_ledger_append_only;
	    update fund_ledger set amount_fen = amount_fen + (${delta})
		where id = ${entry};
	    alter table fund_ledger enable trigger fund_ledger_append_only;
	    commit;`);
	tamper(5);
	v = await verify(w);
	assert.equal(v.ok, false);
	const hit = v.mismatches.filter((x) => x.field === 'disbursed_fen' &&
	    Number(x.stored) === 120000 && Number(x.ledger) === 120005);
	assert.ok(hit.some((x) => x.id === p.id), JSON.stringify(v.mismatches));
	assert.ok(v.mismatches.some((x) => x.id === d.id),
	    `the disbursement's own amount no longer matches its entries: ${
	    JSON.stringify(v.mismatches)}`);
	/* The ledger stays append-only for the owner as well. */
	assert.throws(() => psqlOwner(`update fund_ledger set amount_fen = 1
	    where id = ${entry}`), /append-only/);
	tamper(-5);
	await verifyOk(w);
	/* Only the county verifies. */
	expectProblem(await api('GET', '/api/v1/funds/ledger/verify',
	    { token: maker }), 403);
});

test('funds: ledger verify says how many rows of each kind it checked ' +
    '(the contract: sources, allocations, lines, projects, stats, ' +
    'disbursements, entries)', async (t) => {
	const w = world(t);
	const { project: p, maker } = await runningProject(w, { budget: 500 });
	expectStatus(await disburse(maker, p, payBody(200)), 201);
	const v = await verifyOk(w);
	/* One source, allocation, line, project and payment; 3 entries. */
	const want = { sources: 1, allocations: 1, lines: 1, projects: 1,
	    disbursements: 1, entries: 3 };
	for (const [k, n] of Object.entries(want))
		assert.equal(v.checked[k], n, `checked.${k} in ${
		    JSON.stringify(v.checked)}`);
});

test('funds: a conditional GET of a project, source and allocation; a ' +
    "village sees its own village's projects, history and payments only",
    async (t) => {
	const w = world(t);
	const s = await createSource(w);
	const a = await allocate(w, s, 1000);
	const p = await createProject(twp(w), { budget_fen: 1000 });
	for (const path of [`/api/v1/fund-projects/${p.id}`,
	    `/api/v1/fund-sources/${s.id}`,
	    `/api/v1/fund-allocations/${a.id}`]) {
		const g = await getTagged(cty(w), path);
		const nm = await api('GET', path, { token: cty(w),
		    headers: { 'if-none-match': g.etag } });
		assert.equal(nm.status, 304, `${path}: ${nm.status}`);
		assert.equal(nm.text, '');
	}
	/* Another village of the township does not see this project. */
	const pv = await createProject(twp(w), { budget_fen: 1000,
	    village_code: w.v1 });
	expectProblem(await api('GET', `/api/v1/fund-projects/${pv.id}`,
	    { token: vil(w, { village: w.v1b }) }), 404, 'not_found');
	expectProblem(await api('GET',
	    `/api/v1/fund-projects/${pv.id}/history`,
	    { token: vil(w, { village: w.v1b }) }), 404, 'not_found');
	assert.equal((await project(vil(w), pv)).id, pv.id);
	const tg = await getTagged(twp(w), `/api/v1/fund-projects/${pv.id}`);
	expectProblem(await api('PATCH', `/api/v1/fund-projects/${pv.id}`,
	    { token: vil(w, { village: w.v1b }), body: { title: '别村改' },
	    headers: { 'if-match': tg.etag } }), 404, 'not_found');
	expectProblem(await api('POST', `/api/v1/fund-projects/${pv.id}/submit`,
	    { token: vil(w, { village: w.v1b }) }), 404, 'not_found');
	/* Lists: a village sees its village's projects, not the township's. */
	const township = await createProject(twp(w), { budget_fen: 1000 });
	const seen = (await listAll(vil(w), '/api/v1/fund-projects'))
	    .map((x) => x.id);
	assert.deepEqual(seen, [pv.id]);
	assert.deepEqual(await listAll(vil(w, { village: w.v1b }),
	    '/api/v1/fund-projects'), []);
	const all = (await listAll(twp(w), '/api/v1/fund-projects'))
	    .map((x) => x.id).sort();
	assert.deepEqual(all, [p.id, pv.id, township.id].sort());
	assert.deepEqual((await listAll(twp(w),
	    `/api/v1/fund-projects?village_code=${w.v1}`)).map((x) => x.id),
	    [pv.id]);
	assert.equal((await project(twp(w), pv)).version, tg.json.version,
	    'the refused patch changed nothing');
	/* Nor another village's payments. */
	const run = await runningProject(w, { budget: 1000,
	    extra: { village_code: w.v1 } });
	const paid = await disburse(run.maker, run.project, payBody(400));
	expectStatus(paid, 201);
	const other = vil(w, { village: w.v1b });
	expectProblem(await api('GET', `/api/v1/disbursements/${paid.json.id}`,
	    { token: other }), 404, 'not_found');
	expectProblem(await api('GET',
	    `/api/v1/fund-projects/${run.project.id}/disbursements`,
	    { token: other }), 404, 'not_found');
	assert.equal((await get(vil(w), `/api/v1/disbursements/${
	    paid.json.id}`)).amount_fen, 400);
});

test('funds: the largest amounts add up without overflow (sources of ' +
    '1e14 fen, allocations, budgets and payments of 1e13)', async (t) => {
	const w = world(t);
	const maker = twp(w, { sub: 'big-maker' });
	const s = await createSource(w, { total_fen: MAX_SOURCE_FEN });
	const allocs = [];
	for (let i = 0; i < 10; i++)
		allocs.push(await allocate(w, s, MAX_FEN));
	expectFieldError(await api('POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(s, w.t2, 1) }), '/amount_fen',
	    'source_exhausted', { status: 409, code: 'source_exhausted' });
	const S = await source(w, s);
	assert.equal(S.allocated_fen, MAX_SOURCE_FEN);
	assert.equal(S.unallocated_fen, 0);
	for (let i = 0; i < 2; i++) {
		let p = await createProject(maker, { budget_fen: MAX_FEN });
		p = await commit(maker, p, allocs[i], MAX_FEN);
		p = await step(maker, p, 'submit');
		p = await step(cty(w), p, 'approve');
		assert.equal(p.approval_level, 'county');
		p = await step(cty(w), p, 'review', { decision: 'passed' });
		p = await step(maker, p, 'start');
		expectStatus(await disburse(maker, p, payBody(MAX_FEN)), 201);
		p = await project(maker, p);
		assert.equal(p.disbursed_fen, MAX_FEN);
		assert.equal(p.remaining_fen, 0);
		expectFieldError(await disburse(maker, p, payBody(1)),
		    '/amount_fen', 'insufficient_funds',
		    { status: 409, code: 'insufficient_funds' });
	}
	const r = await get(cty(w), `/api/v1/funds/report?township_code=${
	    w.t1}`);
	assert.deepEqual(r.totals, { allocated_fen: MAX_SOURCE_FEN,
	    committed_fen: 2 * MAX_FEN, disbursed_fen: 2 * MAX_FEN,
	    available_fen: MAX_SOURCE_FEN - 2 * MAX_FEN, utilisation_pct: 20 });
	const cs = await get(cty(w), '/api/v1/funds/county-summary');
	assert.equal(cs.totals.allocated_fen, MAX_SOURCE_FEN);
	assert.equal(cs.totals.disbursed_fen, 2 * MAX_FEN);
	const L = await ledger(w, 'kind=allocation');
	assert.equal(sum(L), MAX_SOURCE_FEN);
	await verifyOk(w);
});

test('funds: If-Match on transitions and patches: a stale version is 412 ' +
    'and changes nothing', async (t) => {
	const w = world(t);
	const maker = twp(w);
	const s = await createSource(w);
	const a = await allocate(w, s, 1000);
	let p = await createProject(maker, { budget_fen: 1000 });
	const old = await getTagged(maker, `/api/v1/fund-projects/${p.id}`);
	p = await commit(maker, p, a, 1000);
	const cur = await getTagged(maker, `/api/v1/fund-projects/${p.id}`);
	assert.notEqual(cur.etag, old.etag, 'a commitment moves the version');
	expectProblem(await api('POST', `/api/v1/fund-projects/${p.id}/submit`,
	    { token: maker, headers: { 'if-match': old.etag } }), 412, 'stale');
	expectProblem(await api('PATCH', `/api/v1/fund-projects/${p.id}`,
	    { token: maker, body: { title: '过时' },
	    headers: { 'if-match': old.etag } }), 412);
	expectProblem(await api('PATCH', `/api/v1/fund-projects/${p.id}`,
	    { token: maker, body: { title: '无条件' } }), 428);
	const same = await getTagged(maker, `/api/v1/fund-projects/${p.id}`);
	assert.deepEqual(same.json, cur.json, 'nothing changed');
	const sub = await must(200, 'POST', `/api/v1/fund-projects/${p.id}` +
	    '/submit', { token: maker, headers: { 'if-match': cur.etag } });
	assert.equal(sub.json.status, 'submitted');
	assert.equal(sub.json.version, cur.json.version + 1);
	/* A malformed If-Match names the header, never 5xx. */
	const bad = await api('POST', `/api/v1/fund-projects/${p.id}/return`,
	    { token: maker, body: { reason: '退' },
	    headers: { 'if-match': 'v1' } });
	expectProblem(bad, 400);
	assert.equal((await project(maker, p)).status, 'submitted');
});

test('funds: lists page by keyset: limit=1 walks every item once; the ' +
    'next link keeps the filters', async (t) => {
	const w = world(t);
	const maker = twp(w);
	const s = await createSource(w);
	const a = await allocate(w, s, 100000);
	const ids = [];
	for (let i = 0; i < 3; i++) {
		const p = await createProject(maker, { budget_fen: 1000,
		    category: 'drinking_water' });
		await commit(maker, p, a, 1000);
		ids.push(p.id);
	}
	await createProject(maker, { budget_fen: 1000, category: 'sanitation' });
	const walk = async (token, first) => {
		const seen = [];
		let url = first;
		for (let i = 0; i < 10 && url; i++) {
			const res = await must(200, 'GET', url, { token });
			seen.push(...res.json.items);
			assert.ok(res.json.items.length <= 1);
			const link = res.headers.get('link');
			if (res.json.next_cursor === null) {
				assert.equal(link, null);
				url = null;
			} else {
				const m = /^<([^>]+)>; rel="next"$/.exec(link || '');
				assert.ok(m, `Link: ${link}`);
				url = m[1];
			}
		}
		assert.equal(url, null, 'the walk ended');
		return seen;
	};
	const ps = await walk(maker,
	    '/api/v1/fund-projects?category=drinking_water&limit=1');
	assert.deepEqual(ps.map((x) => x.id).sort(), [...ids].sort());
	assert.ok(ps.every((x) => x.category === 'drinking_water'));
	const ls = await walk(cty(w), `/api/v1/funds/ledger?kind=commitment&` +
	    `township_code=${w.t1}&limit=1`);
	assert.deepEqual(ls.map((x) => x.project_id), ids,
	    'the ledger in the order it was written');
	assert.ok(ls.every((x) => x.kind === 'commitment' &&
	    x.amount_fen === 1000));
	const all = await walk(cty(w), '/api/v1/funds/ledger?limit=1');
	assert.deepEqual(all.map((x) => x.kind), ['allocation', 'commitment',
	    'commitment', 'commitment']);
	for (let i = 1; i < all.length; i++)
		assert.ok(all[i].id > all[i - 1].id, 'ascending ids');
});
