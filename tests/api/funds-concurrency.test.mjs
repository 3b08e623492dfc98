/*
 * Funds under concurrent requests (issue 5): 200 conflicting payments at
 * one project and 200 commitments (with withdrawals) at one allocation,
 * all in flight at once (Promise.all), where only some can fit.  The
 * money rules hold whatever the interleaving: the successful amounts add
 * up exactly to the counters, no balance goes negative or over its limit,
 * the number of successes is what the money allows and every other answer
 * is 409 insufficient_funds; the ledger verifies.  Then idempotency: a
 * replay returns the first answer (idempotent-replayed: true) and writes
 * nothing; the same key with another body is 422; 20 parallel requests
 * with one key make exactly one payment; parallel reversals of one
 * payment reverse it once.
 *
 * Each test has a county of its own (funds-lib.mjs world()).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, expectFieldError, expectProblem, expectStatus }
    from './lib.mjs';
import {
	allocate, allocation, commit, createProject, createSource, cty,
	disburse, get, idemKey, ledger, listAll, payBody, project, reverse,
	runningProject, shanghaiDay, step, sum, twp, verifyOk, world,
} from './funds-lib.mjs';

/*
 * Every answer is a success (r.okStatus, 201 unless said) or 409
 * insufficient_funds naming /amount_fen.
 */
function split(results)
{
	const ok = [], refused = [];
	for (const r of results) {
		if (r.res.status === (r.okStatus ?? 201)) {
			ok.push(r);
			continue;
		}
		expectFieldError(r.res, '/amount_fen', 'insufficient_funds',
		    { status: 409, code: 'insufficient_funds' });
		refused.push(r);
	}
	return { ok, refused };
}

test('funds concurrency: 200 payments of one amount at one project: ' +
    'exactly what the commitment allows is paid', async (t) => {
	const w = world(t);
	/* 700000 committed from two allocations: room for 100 of 7000. */
	const maker = twp(w, { sub: 'cc-maker' });
	const s = await createSource(w);
	const a1 = await allocate(w, s, 400000);
	const a2 = await allocate(w, s, 300000);
	let p = await createProject(maker, { budget_fen: 700000 });
	p = await commit(maker, p, a1, 400000);
	p = await commit(maker, p, a2, 300000);
	p = await step(maker, p, 'submit');
	p = await step(twp(w, { sub: 'cc-checker' }), p, 'approve');
	p = await step(cty(w), p, 'review', { decision: 'passed' });
	p = await step(maker, p, 'start');

	const results = await Promise.all(Array.from({ length: 200 }, () => {
		const body = payBody(7000);
		return disburse(maker, p, body).then((res) => ({ res, body }));
	}));
	const { ok, refused } = split(results);
	assert.equal(ok.length, 100, 'exactly 700000 / 7000 payments');
	assert.equal(refused.length, 100);
	/* Each success is its own payment with its own voucher. */
	assert.equal(new Set(ok.map((r) => r.res.json.id)).size, 100);
	for (const r of ok) {
		assert.equal(r.res.json.amount_fen, 7000);
		assert.equal(r.res.json.voucher_no, r.body.voucher_no);
		assert.notEqual(r.res.headers.get('idempotent-replayed'), 'true');
	}
	const P = await project(maker, p);
	assert.equal(P.disbursed_fen, 700000);
	assert.equal(P.remaining_fen, 0);
	assert.equal(P.committed_fen, 700000);
	for (const l of P.funding_lines) {
		assert.ok(l.disbursed_fen >= 0 && l.disbursed_fen <=
		    l.committed_fen, JSON.stringify(l));
	}
	assert.equal(sum(P.funding_lines, (l) => l.disbursed_fen), 700000);
	const A1 = await allocation(w, a1), A2 = await allocation(w, a2);
	assert.equal(A1.disbursed_fen, 400000);
	assert.equal(A2.disbursed_fen, 300000);
	const L = await ledger(w, `project_id=${p.id}&kind=disbursement`);
	assert.equal(sum(L), 700000);
	assert.deepEqual(new Set(L.map((e) => e.disbursement_id)),
	    new Set(ok.map((r) => r.res.json.id)));
	const D = await listAll(maker,
	    `/api/v1/fund-projects/${p.id}/disbursements`);
	assert.equal(D.length, 100, 'refused payments left no row');
	await verifyOk(w);
});

test('funds concurrency: 200 payments of mixed amounts: the sum of the ' +
    'successes is the counter, and nothing that fitted was refused',
    async (t) => {
	const w = world(t);
	const { project: p, maker } = await runningProject(w,
	    { budget: 1234567 });
	/* 200 amounts from 1000 to 20900 fen: about 2.2 million asked. */
	const amounts = Array.from({ length: 200 }, (_, i) => 1000 +
	    ((i * 37) % 200) * 100);
	assert.ok(sum(amounts, (x) => x) > 1234567);
	const results = await Promise.all(amounts.map((amt) =>
	    disburse(maker, p, payBody(amt)).then((res) =>
	    ({ res, amt }))));
	const { ok, refused } = split(results);
	const paid = sum(ok, (r) => r.amt);
	const P = await project(maker, p);
	assert.equal(P.disbursed_fen, paid, 'successes add up to the counter');
	assert.ok(paid <= 1234567, 'never over the commitment');
	assert.equal(P.remaining_fen, 1234567 - paid);
	/*
	 * What is left only shrank while the requests ran, so every refused
	 * amount was more than is left now.
	 */
	for (const r of refused)
		assert.ok(r.amt > P.remaining_fen,
		    `${r.amt} was refused with ${P.remaining_fen} left`);
	assert.ok(refused.length > 0, 'the requests asked more than there is');
	const L = await ledger(w, `project_id=${p.id}&kind=disbursement`);
	assert.equal(sum(L), paid);
	await verifyOk(w);
});

test('funds concurrency: 200 commitments and 20 withdrawals at one ' +
    'allocation: exactly what it holds is committed or withdrawn',
    async (t) => {
	const w = world(t);
	const s = await createSource(w);
	const a = await allocate(w, s, 1000000);
	const maker = twp(w);
	/* 20 projects, 10 commitments of 10000 each: never over a budget. */
	const projects = [];
	for (let i = 0; i < 20; i++)
		projects.push(await createProject(maker, { budget_fen: 100000 }));
	const jobs = [];
	for (let i = 0; i < 200; i++) {
		const p = projects[i % 20];
		jobs.push(api('POST', `/api/v1/fund-projects/${p.id}` +
		    '/funding-lines', { token: maker, body: { allocation_id: a.id,
		    amount_fen: 10000 } }).then((res) => ({ res, kind: 'c', p })));
		if (i % 10 === 0) {
			jobs.push(api('POST',
			    `/api/v1/fund-allocations/${a.id}/withdrawals`,
			    { token: cty(w), body: { amount_fen: 10000,
			    reason: '并发收回' } }).then((res) => ({ res, kind: 'w',
			    okStatus: 200 })));
		}
	}
	const results = await Promise.all(jobs);
	assert.equal(results.length, 220);
	const { ok } = split(results);
	assert.equal(ok.length, 100, 'exactly 1000000 / 10000 fit');
	const committed = ok.filter((r) => r.kind === 'c').length * 10000;
	const withdrawn = ok.filter((r) => r.kind === 'w').length * 10000;
	const A = await allocation(w, a);
	assert.equal(A.committed_fen, committed);
	assert.equal(A.withdrawn_fen, withdrawn);
	assert.equal(A.available_fen, 0);
	assert.equal(A.amount_fen, 1000000);
	let total = 0;
	for (const p of projects) {
		const P = await project(maker, p);
		const mine = ok.filter((r) => r.kind === 'c' && r.p.id === p.id)
		    .length * 10000;
		assert.equal(P.committed_fen, mine, `project ${p.id}`);
		assert.ok(P.committed_fen <= P.budget_fen);
		total += P.committed_fen;
	}
	assert.equal(total, committed);
	assert.equal((await get(cty(w), `/api/v1/fund-sources/${s.id}`))
	    .allocated_fen, 1000000 - withdrawn);
	const L = await ledger(w, `allocation_id=${a.id}`);
	assert.equal(sum(L.filter((e) => e.kind === 'commitment')), committed);
	assert.equal(sum(L.filter((e) => e.kind === 'withdrawal')), withdrawn);
	await verifyOk(w);
});

test('funds concurrency: 200 commitments at one project from two ' +
    'allocations never exceed its budget', async (t) => {
	const w = world(t);
	const s = await createSource(w);
	const a1 = await allocate(w, s, 2000000);
	const a2 = await allocate(w, s, 2000000);
	const maker = twp(w);
	const p = await createProject(maker, { budget_fen: 555000 });
	const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
	    api('POST', `/api/v1/fund-projects/${p.id}/funding-lines`,
	    { token: maker, body: { allocation_id: (i % 2 ? a1 : a2).id,
	    amount_fen: 10000 } })));
	const ok = results.filter((r) => r.status === 201);
	for (const r of results.filter((x) => x.status !== 201))
		expectFieldError(r, '/amount_fen', 'over_budget',
		    { status: 409, code: 'over_budget' });
	assert.equal(ok.length, 55);
	const P = await project(maker, p);
	assert.equal(P.committed_fen, 550000);
	assert.equal((await allocation(w, a1)).committed_fen +
	    (await allocation(w, a2)).committed_fen, 550000);
	await verifyOk(w);
});

/* ------------------------------------------------------- idempotency */

test('funds idempotency: a replay returns the first answer and pays ' +
    'nothing more; the same key with another body is 422', async (t) => {
	const w = world(t);
	const { project: p, maker } = await runningProject(w,
	    { budget: 100000 });
	const key = idemKey();
	const body = payBody(30000);
	const first = await disburse(maker, p, body, key);
	expectStatus(first, 201);
	assert.notEqual(first.headers.get('idempotent-replayed'), 'true');
	const again = await disburse(maker, p, body, key);
	expectStatus(again, 201);
	assert.equal(again.headers.get('idempotent-replayed'), 'true');
	assert.deepEqual(again.json, first.json);
	assert.equal(again.headers.get('location'),
	    first.headers.get('location'));
	/* Members in another order are the same request. */
	const reordered = Object.fromEntries(Object.entries(body).reverse());
	const third = await disburse(maker, p, reordered, key);
	expectStatus(third, 201);
	assert.deepEqual(third.json, first.json);
	assert.equal((await project(maker, p)).disbursed_fen, 30000);
	let L = await ledger(w, `project_id=${p.id}&kind=disbursement`);
	assert.deepEqual(L.map((e) => e.disbursement_id), [first.json.id]);

	/* Another amount, another payee, another voucher: 422. */
	for (const other of [{ amount_fen: 30001 }, { payee_name: '别人' },
	    { voucher_no: `${body.voucher_no}-x` }]) {
		const r = await disburse(maker, p, { ...body, ...other }, key);
		expectProblem(r, 422, 'idempotency_key_reused');
	}
	/* Another project with the key: also another request. */
	const p2 = await runningProject(w, { budget: 1000 });
	expectProblem(await disburse(maker, p2.project, body, key), 422,
	    'idempotency_key_reused');
	assert.equal((await project(maker, p)).disbursed_fen, 30000);
	L = await ledger(w, `project_id=${p.id}&kind=disbursement`);
	assert.equal(L.length, 1);

	/* Another caller's key space is its own. */
	const other = twp(w, { sub: 'idem-other' });
	const mine = await disburse(other, p, payBody(1000), key);
	expectStatus(mine, 201);
	assert.notEqual(mine.json.id, first.json.id);
	assert.notEqual(mine.headers.get('idempotent-replayed'), 'true');

	/* A refused request is not remembered: it can be retried. */
	const k2 = idemKey();
	const big = payBody(1000000);
	expectProblem(await disburse(maker, p, big, k2), 409,
	    'insufficient_funds');
	const retry = await disburse(maker, p, { ...big, amount_fen: 1000 }, k2);
	expectStatus(retry, 201);

	/* Reversals replay the same way. */
	const rk = idemKey();
	const r1 = await reverse(maker, first.json, '重复', rk);
	expectStatus(r1, 201);
	const r2 = await reverse(maker, first.json, '重复', rk);
	expectStatus(r2, 201);
	assert.equal(r2.headers.get('idempotent-replayed'), 'true');
	assert.deepEqual(r2.json, r1.json);
	expectProblem(await reverse(maker, first.json, '另一个理由', rk), 422,
	    'idempotency_key_reused');
	const R = await ledger(w, `project_id=${p.id}&kind=reversal`);
	assert.equal(sum(R), 30000);
	assert.equal((await project(maker, p)).disbursed_fen, 2000);
	await verifyOk(w);
});

test('funds idempotency: 20 parallel requests with one key make exactly ' +
    'one payment', async (t) => {
	const w = world(t);
	const { project: p, maker } = await runningProject(w,
	    { budget: 100000 });
	const key = idemKey();
	const body = payBody(40000);
	const results = await Promise.all(Array.from({ length: 20 }, () =>
	    disburse(maker, p, body, key)));
	for (const r of results)
		expectStatus(r, 201);
	const ids = new Set(results.map((r) => r.json.id));
	assert.equal(ids.size, 1, 'one payment');
	const fresh = results.filter((r) =>
	    r.headers.get('idempotent-replayed') !== 'true');
	assert.equal(fresh.length, 1, 'one first answer, 19 replays');
	for (const r of results)
		assert.deepEqual(r.json, results[0].json);
	assert.equal((await project(maker, p)).disbursed_fen, 40000);
	const L = await ledger(w, `project_id=${p.id}&kind=disbursement`);
	assert.equal(sum(L), 40000);
	assert.deepEqual([...new Set(L.map((e) => e.disbursement_id))],
	    [...ids]);
	const D = await listAll(maker,
	    `/api/v1/fund-projects/${p.id}/disbursements`);
	assert.equal(D.length, 1);
	await verifyOk(w);
});

test('funds concurrency: 20 parallel reversals of one payment (each with ' +
    'its own key) reverse it once', async (t) => {
	const w = world(t);
	const { project: p, maker } = await runningProject(w,
	    { budget: 100000 });
	const d = await disburse(maker, p, payBody(60000));
	expectStatus(d, 201);
	const results = await Promise.all(Array.from({ length: 20 }, () =>
	    reverse(maker, d.json, '并发冲正')));
	const ok = results.filter((r) => r.status === 201);
	assert.equal(ok.length, 1);
	for (const r of results.filter((x) => x.status !== 201))
		expectProblem(r, 409, 'already_reversed');
	assert.equal((await project(maker, p)).disbursed_fen, 0);
	const R = await ledger(w, `project_id=${p.id}&kind=reversal`);
	assert.equal(sum(R), 60000);
	await verifyOk(w);
});

test('funds idempotency: a retry after the project moved on (completed, ' +
    'closed) still answers the first payment', async (t) => {
	const w = world(t);
	const { project: p, maker } = await runningProject(w,
	    { budget: 100000 });
	const key = idemKey();
	const body = payBody(70000);
	const first = await disburse(maker, p, body, key);
	expectStatus(first, 201);
	await step(maker, p, 'complete', { actual_cost_fen: 70000,
	    completed_on: shanghaiDay(0) });
	await step(maker, p, 'close');
	const late = await disburse(maker, p, body, key);
	expectStatus(late, 201);
	assert.equal(late.headers.get('idempotent-replayed'), 'true');
	assert.deepEqual(late.json, first.json);
	/* A new payment is refused: the project is closed. */
	expectProblem(await disburse(maker, p, payBody(1)), 409,
	    'invalid_state');
	const P = await project(maker, p);
	assert.equal(P.disbursed_fen, 70000);
	assert.equal(P.committed_fen, 70000, 'closing released the rest');
	await verifyOk(w);
});

test('funds concurrency: 10 parallel approvals of one project by ' +
    'different officers: one files it, once', async (t) => {
	const w = world(t);
	const maker = twp(w, { sub: 'par-maker' });
	const s = await createSource(w);
	const a = await allocate(w, s, 1000);
	let p = await createProject(maker, { budget_fen: 1000 });
	p = await commit(maker, p, a, 1000);
	p = await step(maker, p, 'submit');
	const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
	    api('POST', `/api/v1/fund-projects/${p.id}/approve`,
	    { token: twp(w, { sub: `par-checker-${i}` }) })));
	const ok = results.filter((r) => r.status === 200);
	assert.equal(ok.length, 1);
	for (const r of results.filter((x) => x.status !== 200))
		expectProblem(r, 409, 'invalid_state');
	const filings = await listAll(cty(w), '/api/v1/fund-filings');
	assert.equal(filings.length, 1);
	assert.equal(filings[0].approved_by, ok[0].json.approved_by);
	const h = await listAll(cty(w), `/api/v1/fund-projects/${p.id}/history`);
	assert.equal(h.filter((e) => e.action === 'approve').length, 1);
	assert.equal(h.filter((e) => e.action === 'file').length, 1);
});

test('funds concurrency: payments racing the close of a completed ' +
    'project: paid plus released is exactly what was committed',
    async (t) => {
	const w = world(t);
	const { project: p, maker, alloc: a } = await runningProject(w,
	    { budget: 500000 });
	await step(maker, p, 'complete', { actual_cost_fen: 500000,
	    completed_on: shanghaiDay(0) });
	const jobs = Array.from({ length: 60 }, () => disburse(maker, p,
	    payBody(10000)).then((res) => ({ res, kind: 'pay' })));
	jobs.splice(20, 0, api('POST', `/api/v1/fund-projects/${p.id}/close`,
	    { token: maker }).then((res) => ({ res, kind: 'close' })));
	const results = await Promise.all(jobs);
	const close = results.find((r) => r.kind === 'close');
	expectStatus(close.res, 200);
	let paid = 0;
	for (const r of results.filter((x) => x.kind === 'pay')) {
		if (r.res.status === 201) {
			paid += 10000;
			continue;
		}
		/* Refused: the project was closed, or the money was gone. */
		assert.equal(r.res.status, 409, r.res.text);
		assert.ok(['invalid_state', 'insufficient_funds']
		    .includes(r.res.json.code), r.res.text);
	}
	const P = await project(maker, p);
	assert.equal(P.status, 'closed');
	assert.equal(P.disbursed_fen, paid);
	assert.equal(P.committed_fen, paid, 'the unpaid rest was released');
	assert.equal(P.funding_lines[0].released_fen, 500000 - paid);
	const A = await allocation(w, a);
	assert.equal(A.committed_fen, paid);
	assert.equal(A.available_fen, 500000 - paid);
	const L = await ledger(w, `project_id=${p.id}`);
	assert.equal(sum(L.filter((e) => e.kind === 'release')), 500000 - paid);
	assert.equal(sum(L.filter((e) => e.kind === 'disbursement')), paid);
	await verifyOk(w);
});
