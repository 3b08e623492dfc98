/*
 * Funds (issue 5): bad input for every field of every POST and PATCH and
 * for every query parameter of the funds routes.  Amounts negative, zero,
 * fractional, too large (over the limit and over 64 bits), strings,
 * booleans, null; bad enums, dates, UUIDs, codes; empty, blank and too
 * long strings; unknown fields; missing required fields; the rules that
 * tie fields together (delivery, lump sum, dates); a missing or malformed
 * Idempotency-Key.  Each answer is 400 problem+json whose errors name the
 * field (pointer) or the parameter, never 5xx, and changed nothing.
 *
 * The rows addressed live in a county of this suite's own (world()).
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	api, expectFieldError, expectNo5xx, expectProblem, expectStatus,
} from './lib.mjs';
import {
	MAX_FEN, MAX_SOURCE_FEN, NIL_UUID, allocate, allocationBody, commit,
	createProject, createSource, cty, disburse, dropWorld, getTagged,
	idemKey, ledger, payBody, projectBody, runningProject, shanghaiDay,
	sourceBody, step, twp, villageRunBody, world,
} from './funds-lib.mjs';

let w;
const R = {};

before(async () => {
	w = world();
	R.source = await createSource(w);
	R.alloc = await allocate(w, R.source, 50000000);
	R.draft = await createProject(twp(w), { budget_fen: 100000 });
	R.draft = await commit(twp(w), R.draft, R.alloc, 50000);
	R.line = R.draft.funding_lines[0];
	/* A filed project (for review) and a running one (for the rest). */
	let f = await createProject(twp(w), { budget_fen: 1000 });
	f = await commit(twp(w), f, R.alloc, 1000);
	f = await step(twp(w), f, 'submit');
	R.filed = await step(twp(w, { sub: 'input-checker' }), f, 'approve');
	R.submitted = await step(twp(w), await commit(twp(w),
	    await createProject(twp(w), { budget_fen: 1000 }), R.alloc, 1000),
	    'submit');
	const run = await runningProject(w, { budget: 1000000 });
	R.running = run.project;
	R.maker = run.maker;
	const d = await disburse(R.maker, R.running, payBody(1000));
	expectStatus(d, 201);
	R.payment = d.json;
});

after(() => {
	if (w)
		dropWorld(w.county);
});

/* ------------------------------------------------------ bad values */

const HUGE = '123456789012345678901234567890';

/*
 * The bad values of a field: [value, error code (or undefined: only the
 * pointer is checked), label].  A value { raw } is spliced into the JSON
 * text as is.
 */
function badValues(spec)
{
	const out = [];
	if (spec.int) {
		const [min, max] = spec.int;
		out.push([min - 1, 'out_of_range', 'below the minimum']);
		if (min > 0)
			out.push([-1, 'out_of_range', 'negative']);
		if (min > 0 && min - 1 !== 0)
			out.push([0, 'out_of_range', 'zero']);
		out.push([max + 1, 'out_of_range', 'above the maximum']);
		out.push([{ raw: HUGE }, 'out_of_range', 'over 64 bits']);
		out.push([{ raw: '-' + HUGE }, 'out_of_range', 'under 64 bits']);
		out.push([min + 0.5, 'type', 'fractional']);
		out.push([{ raw: '1e3' }, 'type', 'exponent']);
		out.push([{ raw: '10.0' }, 'type', 'a real']);
		out.push([String(min + 1), 'type', 'a string']);
		out.push([true, 'type', 'a boolean']);
		out.push([[1], 'type', 'an array']);
		out.push([{ v: 1 }, 'type', 'an object']);
		if (!spec.nullable)
			out.push([null, 'type', 'null']);
	} else if (spec.str) {
		const [min, max] = spec.str;
		if (min >= 1) {
			out.push(['', 'required', 'empty']);
			out.push(['   ', undefined, 'blank']);
		}
		out.push(['字'.repeat(max + 1), 'too_long', 'too long']);
		out.push([42, 'type', 'a number']);
		out.push([['a'], 'type', 'an array']);
		out.push(['a\u0000b', undefined, 'a NUL']);
		if (!spec.nullable)
			out.push([null, 'type', 'null']);
	} else if (spec.enum) {
		out.push(['nope', 'enum', 'not a value']);
		out.push([spec.enum[0].toUpperCase(), 'enum', 'upper case']);
		out.push(['', 'enum', 'empty']);
		out.push([1, 'type', 'a number']);
		if (!spec.nullable)
			out.push([null, 'type', 'null']);
	} else if (spec.date) {
		out.push(['2026-02-30', 'format', 'no such day']);
		out.push(['2026-1-05', 'format', 'short month']);
		out.push(['2026/01/05', 'format', 'slashes']);
		out.push(['2026-01-05T00:00:00Z', 'format', 'a timestamp']);
		out.push(['', 'format', 'empty']);
		out.push([20260105, 'type', 'a number']);
		if (!spec.nullable)
			out.push([null, 'type', 'null']);
	} else if (spec.uuid) {
		out.push(['not-a-uuid', 'format', 'not a UUID']);
		out.push([NIL_UUID.toUpperCase().replace('0000-4', 'ABCD-4'),
		    'format', 'upper case']);
		out.push([`${NIL_UUID}0`, 'format', 'too long']);
		out.push(['', 'format', 'empty']);
		out.push([7, 'type', 'a number']);
		if (!spec.nullable)
			out.push([null, 'type', 'null']);
	} else if (spec.code) {
		const n = spec.code;
		out.push(['1'.repeat(n - 1), 'format', 'too short']);
		out.push(['1'.repeat(n + 1), 'format', 'too long']);
		out.push([`${'1'.repeat(n - 1)}x`, 'format', 'a letter']);
		out.push([Number('1'.repeat(n)), 'type', 'a number']);
		if (!spec.nullable)
			out.push([null, 'type', 'null']);
	}
	return out;
}

/* The JSON text of body with field set to value (raw values spliced). */
function withValue(body, field, value)
{
	if (value !== null && typeof value === 'object' && 'raw' in value) {
		const mark = '"@@RAW@@"';
		return JSON.stringify({ ...body, [field]: '@@RAW@@' })
		    .replace(mark, value.raw);
	}
	return JSON.stringify({ ...body, [field]: value });
}

/*
 * Sends each bad value of each field of fields ({ name: spec }) in an
 * otherwise valid body (base()), expecting 400 naming /name.  send(text)
 * makes the request.  Returns the number of cases.
 */
async function everyField(label, fields, base, send)
{
	let n = 0;
	for (const [name, spec] of Object.entries(fields)) {
		for (const [value, code, what] of badValues(spec)) {
			const res = await send(withValue(base(), name, value));
			expectNo5xx(res);
			try {
				expectFieldError(res, `/${name}`, code);
			} catch (e) {
				e.message = `${label} ${name} ${what} ` +
				    `(${JSON.stringify(value)}): ${e.message}`;
				throw e;
			}
			n++;
		}
		if (spec.required) {
			const b = base();
			delete b[name];
			const res = await send(JSON.stringify(b));
			try {
				expectFieldError(res, `/${name}`, 'required');
			} catch (e) {
				e.message = `${label} without ${name}: ${e.message}`;
				throw e;
			}
			n++;
		}
	}
	/* An unknown member, and a JSON body that is not an object. */
	const unk = await send(JSON.stringify({ ...base(), colour: 'red' }));
	expectFieldError(unk, '/colour', 'unknown_field');
	const arr = await send('[]');
	expectProblem(arr, 400);
	return n + 2;
}

/*
 * The base body alone is accepted (status): each refusal above was the
 * bad field's doing, not the base's.  Returns the answer.
 */
async function control(label, base, send, status)
{
	const res = await send(JSON.stringify(base()));
	assert.equal(res.status, status, `${label}, the base body: ${res.status} ` +
	    res.text.slice(0, 300));
	return res;
}

function sender(method, path, token, headers = () => ({}))
{
	return (text) => api(method, path, { token, rawBody: text,
	    headers: { 'content-type': 'application/json', ...headers() } });
}

const FEN = { int: [1, MAX_FEN] };
const FEN_REQ = { int: [1, MAX_FEN], required: true };

/* ------------------------------------------------------------ bodies */

test('funds input: POST /fund-sources, every field', async () => {
	const n = await everyField('POST /fund-sources', {
		name: { str: [1, 100], required: true },
		category: { enum: ['integrated_agriculture'], required: true },
		fiscal_year: { int: [2000, 2100], required: true },
		total_fen: { int: [1, MAX_SOURCE_FEN], required: true },
		document_no: { str: [1, 64] },
	}, () => sourceBody(), sender('POST', '/api/v1/fund-sources', cty(w)));
	assert.ok(n > 50);
	/* The limits themselves are fine. */
	for (const extra of [{ total_fen: MAX_SOURCE_FEN }, { total_fen: 1 },
	    { fiscal_year: 2000 }, { fiscal_year: 2100 },
	    { name: '名'.repeat(100) }, { document_no: 'D'.repeat(64) }])
		expectStatus(await api('POST', '/api/v1/fund-sources',
		    { token: cty(w), body: sourceBody(extra) }), 201);
});

test('funds input: PATCH /fund-sources/{id}, every field; If-Match',
    async () => {
	const p = `/api/v1/fund-sources/${R.source.id}`;
	const tag = async () => (await getTagged(cty(w), p)).etag;
	const etag = await tag();
	await everyField('PATCH /fund-sources', {
		name: { str: [1, 100] },
		total_fen: { int: [1, MAX_SOURCE_FEN] },
		document_no: { str: [1, 64] },
	}, () => ({ name: '改名' }), sender('PATCH', p, cty(w),
	    () => ({ 'if-match': etag })));
	/* Fields that are not changed this way. */
	for (const f of ['category', 'fiscal_year', 'allocated_fen', 'id',
	    'county_code', 'version']) {
		expectFieldError(await api('PATCH', p, { token: cty(w),
		    body: { [f]: R.source[f] ?? 1 },
		    headers: { 'if-match': etag } }), `/${f}`, 'unknown_field');
	}
	assert.equal(await tag(), etag, 'nothing was changed');
	const noIf = await api('PATCH', p, { token: cty(w),
	    body: { name: '无条件' } });
	expectProblem(noIf, 428);
	await control('PATCH /fund-sources', () => ({ name: '改名' }),
	    sender('PATCH', p, cty(w), () => ({ 'if-match': etag })), 200);
	for (const bad of ['*x', 'W/"1"', '"abc"', ''])
		expectNo5xx(await api('PATCH', p, { token: cty(w),
		    body: { name: '坏' }, headers: { 'if-match': bad } }));
});

test('funds input: POST /fund-allocations, every field', async () => {
	await everyField('POST /fund-allocations', {
		source_id: { uuid: true, required: true },
		township_code: { code: 9, required: true },
		amount_fen: FEN_REQ,
		purpose: { str: [1, 200], required: true },
		document_no: { str: [1, 64], required: true },
	}, () => allocationBody(R.source, w.t1, 1),
	    sender('POST', '/api/v1/fund-allocations', cty(w)));
	await control('POST /fund-allocations', () => allocationBody(R.source,
	    w.t1, 1), sender('POST', '/api/v1/fund-allocations', cty(w)), 201);
	/* Well-formed but not there: 404 naming the field. */
	expectFieldError(await api('POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(NIL_UUID, w.t1, 1) }),
	    '/source_id', undefined, { status: 404, code: 'not_found' });
	expectFieldError(await api('POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(R.source, `${w.county}999`,
	    1) }), '/township_code', undefined,
	    { status: 404, code: 'not_found' });
	/* A township of another county is not there either. */
	expectFieldError(await api('POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(R.source, '330599107', 1) }),
	    '/township_code', undefined, { status: 404, code: 'not_found' });
});

test('funds input: POST /fund-allocations/{id}/withdrawals, every field',
    async () => {
	await everyField('POST withdrawals', {
		amount_fen: FEN_REQ,
		reason: { str: [1, 500], required: true },
	}, () => ({ amount_fen: 1, reason: '收回' }), sender('POST',
	    `/api/v1/fund-allocations/${R.alloc.id}/withdrawals`, cty(w)));
	await control('POST withdrawals', () => ({ amount_fen: 1,
	    reason: '收回' }), sender('POST',
	    `/api/v1/fund-allocations/${R.alloc.id}/withdrawals`, cty(w)), 200);
});

test('funds input: PATCH /funds/settings, every field', async () => {
	const st = await getTagged(cty(w), '/api/v1/funds/settings');
	await everyField('PATCH /funds/settings', {
		township_approval_limit_fen: FEN,
	}, () => ({ township_approval_limit_fen: 40000000 }),
	    sender('PATCH', '/api/v1/funds/settings', cty(w),
	    () => ({ 'if-match': st.etag })));
	for (const f of ['county_code', 'version', 'updated_at'])
		expectFieldError(await api('PATCH', '/api/v1/funds/settings',
		    { token: cty(w), body: { [f]: st.json[f] ?? 'x' },
		    headers: { 'if-match': st.etag } }), `/${f}`,
		    'unknown_field');
	expectProblem(await api('PATCH', '/api/v1/funds/settings',
	    { token: cty(w), body: { township_approval_limit_fen: 5 } }), 428);
	assert.deepEqual((await getTagged(cty(w), '/api/v1/funds/settings'))
	    .json, st.json, 'nothing was changed');
	await control('PATCH /funds/settings', () => ({
	    township_approval_limit_fen: 40000000 }), sender('PATCH',
	    '/api/v1/funds/settings', cty(w), () => ({ 'if-match': st.etag })),
	    200);
});

const PROJECT_FIELDS = {
	title: { str: [1, 200], required: true },
	category: { enum: ['village_road'], required: true },
	village_code: { code: 12 },
	delivery: { enum: ['contractor'], required: true },
	contractor: { str: [1, 200] },
	budget_fen: FEN_REQ,
	planned_start: { date: true, required: true },
	planned_end: { date: true, required: true },
};
const VILLAGE_RUN_FIELDS = {
	population_served: { int: [1, 1000000] },
	per_capita_fen: { int: [1, 100000000] },
	planned_craftsmen_pct: { int: [0, 100] },
};

test('funds input: POST /fund-projects, every field', async () => {
	const send = sender('POST', '/api/v1/fund-projects', twp(w));
	await everyField('POST /fund-projects', PROJECT_FIELDS,
	    () => projectBody(), send);
	await everyField('POST /fund-projects (village-run)',
	    VILLAGE_RUN_FIELDS, () => villageRunBody(w.v1), send);
	await control('POST /fund-projects', () => projectBody(), send, 201);
	await control('POST /fund-projects (village-run)',
	    () => villageRunBody(w.v1), send, 201);
	/* The rules that tie fields together. */
	const cases = [
		[projectBody({ contractor: undefined }), '/contractor'],
		[projectBody({ population_served: 10 }), '/population_served'],
		[projectBody({ per_capita_fen: 10 }), '/per_capita_fen'],
		[projectBody({ planned_craftsmen_pct: 10 }),
		    '/planned_craftsmen_pct'],
		[villageRunBody(w.v1, { contractor: '某公司' }), '/contractor'],
		[villageRunBody(w.v1, { population_served: undefined }),
		    '/population_served'],
		[villageRunBody(w.v1, { per_capita_fen: undefined }),
		    '/per_capita_fen'],
		[villageRunBody(w.v1, { planned_craftsmen_pct: undefined }),
		    '/planned_craftsmen_pct'],
		[villageRunBody(w.v1, { village_code: undefined }),
		    '/village_code'],
		[villageRunBody(w.v1, { budget_fen: 500 * 2000 + 1 }),
		    '/budget_fen', 'lump_sum_mismatch'],
		[projectBody({ planned_start: '2026-05-02',
		    planned_end: '2026-05-01' }), '/planned_end'],
		/* A village of another township. */
		[projectBody({ village_code: w.v2 }), '/village_code'],
	];
	for (const [body, ptr, code] of cases) {
		const clean = JSON.parse(JSON.stringify(body));
		const res = await api('POST', '/api/v1/fund-projects',
		    { token: twp(w), body: clean });
		try {
			expectFieldError(res, ptr, code);
		} catch (e) {
			e.message = `${JSON.stringify(clean)}: ${e.message}`;
			throw e;
		}
	}
	/* The boundaries are fine. */
	expectStatus(await api('POST', '/api/v1/fund-projects', { token: twp(w),
	    body: projectBody({ budget_fen: MAX_FEN,
	    planned_start: '2026-05-01', planned_end: '2026-05-01' }) }), 201);
	expectStatus(await api('POST', '/api/v1/fund-projects', { token: twp(w),
	    body: villageRunBody(w.v1, { population_served: 1000000,
	    per_capita_fen: 10000000, planned_craftsmen_pct: 0 }) }), 201);
	/* Fields the server sets. */
	for (const f of ['status', 'committed_fen', 'township_code', 'id',
	    'approved_by'])
		expectFieldError(await api('POST', '/api/v1/fund-projects',
		    { token: twp(w), body: projectBody({ [f]: 'x' }) }), `/${f}`,
		    'unknown_field');
});

test('funds input: PATCH /fund-projects/{id}, every field', async () => {
	const p = `/api/v1/fund-projects/${R.draft.id}`;
	const { etag, json } = await getTagged(twp(w), p);
	const send = sender('PATCH', p, twp(w), () => ({ 'if-match': etag }));
	const fields = Object.fromEntries(Object.entries(PROJECT_FIELDS)
	    .map(([k, v]) => [k, { ...v, required: false,
	    nullable: k === 'village_code' || k === 'contractor' }]));
	await everyField('PATCH /fund-projects', fields,
	    () => ({ title: '改' }), send);
	await everyField('PATCH /fund-projects (village-run)',
	    Object.fromEntries(Object.entries(VILLAGE_RUN_FIELDS).map(([k, v]) =>
	    [k, { ...v, nullable: true }])), () => ({ title: '改' }), send);
	/* The result of a patch is judged whole. */
	expectFieldError(await api('PATCH', p, { token: twp(w),
	    body: { planned_end: '2020-01-01' }, headers: { 'if-match': etag } }),
	    '/planned_end');
	for (const f of ['status', 'committed_fen', 'funding_lines'])
		expectFieldError(await api('PATCH', p, { token: twp(w),
		    body: { [f]: 1 }, headers: { 'if-match': etag } }), `/${f}`,
		    'unknown_field');
	const after = await getTagged(twp(w), p);
	assert.equal(after.etag, etag, 'nothing was changed');
	assert.deepEqual(after.json, json);
	await control('PATCH /fund-projects', () => ({ title: '改' }), send,
	    200);
});

test('funds input: POST funding-lines and release, every field',
    async () => {
	await everyField('POST funding-lines', {
		allocation_id: { uuid: true, required: true },
		amount_fen: FEN_REQ,
	}, () => ({ allocation_id: R.alloc.id, amount_fen: 1 }),
	    sender('POST', `/api/v1/fund-projects/${R.draft.id}/funding-lines`,
	    twp(w)));
	expectFieldError(await api('POST',
	    `/api/v1/fund-projects/${R.draft.id}/funding-lines`,
	    { token: twp(w), body: { allocation_id: NIL_UUID, amount_fen: 1 } }),
	    '/allocation_id', undefined, { status: 404, code: 'not_found' });
	await everyField('POST release', {
		amount_fen: FEN,
		reason: { str: [1, 500], required: true },
	}, () => ({ amount_fen: 1, reason: '释放' }),
	    sender('POST', `/api/v1/funding-lines/${R.line.id}/release`, twp(w)));
	const P = await getTagged(twp(w), `/api/v1/fund-projects/${R.draft.id}`);
	assert.equal(P.json.committed_fen, 50000, 'nothing was committed or ' +
	    'released');
	await control('POST funding-lines', () => ({ allocation_id: R.alloc.id,
	    amount_fen: 1 }), sender('POST',
	    `/api/v1/fund-projects/${R.draft.id}/funding-lines`, twp(w)), 201);
	await control('POST release', () => ({ amount_fen: 1, reason: '释放' }),
	    sender('POST', `/api/v1/funding-lines/${R.line.id}/release`,
	    twp(w)), 200);
});

test('funds input: transitions, every field', async () => {
	const tp = (id, a) => `/api/v1/fund-projects/${id}/${a}`;
	await everyField('return', {
		reason: { str: [1, 500], required: true },
	}, () => ({ reason: '退回' }), sender('POST', tp(R.submitted.id,
	    'return'), twp(w, { sub: 'input-checker' })));
	await everyField('review', {
		decision: { enum: ['passed'], required: true },
		reason: { str: [1, 500] },
	}, () => ({ decision: 'rectification_required', reason: '整改' }),
	    sender('POST', tp(R.filed.id, 'review'), cty(w)));
	await everyField('complete', {
		actual_cost_fen: FEN_REQ,
		actual_craftsmen_pct: { int: [0, 100] },
		completed_on: { date: true, required: true },
	}, () => ({ actual_cost_fen: 1, completed_on: shanghaiDay(0) }),
	    sender('POST', tp(R.running.id, 'complete'), R.maker));
	/* The bodies of the others are optional but strict. */
	for (const [id, a, tok] of [[R.draft.id, 'submit', twp(w)],
	    [R.submitted.id, 'approve', twp(w, { sub: 'input-checker' })],
	    [R.running.id, 'close', R.maker], [R.running.id, 'start', R.maker]]) {
		expectFieldError(await api('POST', tp(id, a), { token: tok,
		    body: { reason: 'x', colour: 1 } }), '/colour',
		    'unknown_field');
		expectProblem(await api('POST', tp(id, a), { token: tok,
		    rawBody: '{"x":', headers: { 'content-type':
		    'application/json' } }), 400);
	}
	/* Nothing moved. */
	const S = await getTagged(twp(w), `/api/v1/fund-projects/${R.submitted.id}`);
	assert.equal(S.json.status, 'submitted');
	const F = await getTagged(cty(w), `/api/v1/fund-projects/${R.filed.id}`);
	assert.equal(F.json.status, 'filed');
	const G = await getTagged(R.maker, `/api/v1/fund-projects/${R.running.id}`);
	assert.equal(G.json.status, 'in_progress');
});

test('funds input: POST disbursements, every field; the Idempotency-Key',
    async () => {
	const path = `/api/v1/fund-projects/${R.running.id}/disbursements`;
	const before = (await ledger(w, `project_id=${R.running.id}`)).length;
	await everyField('POST disbursements', {
		amount_fen: FEN_REQ,
		payee_kind: { enum: ['contractor'], required: true },
		payee_name: { str: [1, 200], required: true },
		voucher_no: { str: [1, 64], required: true },
		paid_on: { date: true, required: true },
	}, () => payBody(1), sender('POST', path, R.maker,
	    () => ({ 'idempotency-key': idemKey() })));
	/* cooperative_id: a UUID, and only for a cooperative payee. */
	await everyField('POST disbursements (cooperative)', {
		cooperative_id: { uuid: true, nullable: true },
	}, () => payBody(1, { payee_kind: 'cooperative' }),
	    sender('POST', path, R.maker, () => ({ 'idempotency-key':
	    idemKey() })));
	const withKey = sender('POST', path, R.maker, () => ({
	    'idempotency-key': idemKey() }));
	await control('POST disbursements', () => payBody(1), withKey, 201);
	await control('POST disbursements (cooperative)', () => payBody(1,
	    { payee_kind: 'cooperative' }), withKey, 201);
	expectFieldError(await disburse(R.maker, R.running, payBody(1,
	    { cooperative_id: NIL_UUID })), '/cooperative_id');
	/* Paid in the future (Asia/Shanghai). */
	for (const d of [shanghaiDay(1), shanghaiDay(400), '2999-12-31'])
		expectFieldError(await disburse(R.maker, R.running,
		    payBody(1, { paid_on: d })), '/paid_on');

	/* The Idempotency-Key: required, 1..64 of [A-Za-z0-9._:-]. */
	const keyError = (res, ...codes) => {
		const p = expectFieldError(res, 'Idempotency-Key', undefined,
		    { kind: 'parameter' });
		const e = p.errors.find((x) => x.parameter === 'Idempotency-Key');
		assert.ok(codes.includes(p.code) || codes.includes(e.code),
		    `${codes} in ${res.text}`);
	};
	keyError(await api('POST', path, { token: R.maker, body: payBody(1) }),
	    'idempotency_key_required');
	for (const k of ['k'.repeat(65), 'has space', 'semi;colon', 'slash/no',
	    'quote"', 'a,b', '{key}'])
		keyError(await api('POST', path, { token: R.maker,
		    body: payBody(1), headers: { 'idempotency-key': k } }),
		    'idempotency_key_invalid');
	/*
	 * An empty or non-ASCII header value: Kore refuses the request before
	 * the service sees it (field notes, "Headers"), a plain 400.
	 */
	for (const k of ['', Buffer.from('键', 'utf8').toString('latin1')]) {
		const res = await api('POST', path, { token: R.maker,
		    body: payBody(1), headers: { 'idempotency-key': k } });
		assert.equal(res.status, 400, res.text);
	}
	/* The limits are fine. */
	expectStatus(await disburse(R.maker, R.running, payBody(1),
	    'K'.repeat(64)), 201);
	expectStatus(await disburse(R.maker, R.running, payBody(1),
	    'a.b_c:d-9'), 201);
	const after = (await ledger(w, `project_id=${R.running.id}`)).length;
	assert.equal(after, before + 4, 'only the four good payments were made');
});

test('funds input: POST disbursements/{id}/reverse, every field',
    async () => {
	const path = `/api/v1/disbursements/${R.payment.id}/reverse`;
	await everyField('POST reverse', {
		reason: { str: [1, 500], required: true },
	}, () => ({ reason: '冲正' }), sender('POST', path, R.maker,
	    () => ({ 'idempotency-key': idemKey() })));
	const res = await api('POST', path, { token: R.maker,
	    body: { reason: '冲正' } });
	expectFieldError(res, 'Idempotency-Key', undefined,
	    { kind: 'parameter' });
	const g = await api('GET', `/api/v1/disbursements/${R.payment.id}`,
	    { token: R.maker });
	expectStatus(g, 200);
	assert.equal(g.json.reversed_by, null, 'not reversed');
	const ok = await control('POST reverse', () => ({ reason: '冲正' }),
	    sender('POST', path, R.maker, () => ({ 'idempotency-key':
	    idemKey() })), 201);
	assert.equal(ok.json.reverses_id, R.payment.id);
});

/* ---------------------------------------------------- path and query */

test('funds input: a malformed id in every path is 400 naming it',
    async () => {
	const reason = { reason: '理由' };
	const paths = [
		['GET', '/api/v1/fund-sources/{id}', cty(w)],
		['PATCH', '/api/v1/fund-sources/{id}', cty(w), { name: '名' }],
		['GET', '/api/v1/fund-allocations/{id}', cty(w)],
		['POST', '/api/v1/fund-allocations/{id}/withdrawals', cty(w),
		    { amount_fen: 1, reason: '收回' }],
		['GET', '/api/v1/fund-projects/{id}', twp(w)],
		['PATCH', '/api/v1/fund-projects/{id}', twp(w), { title: '题' }],
		['POST', '/api/v1/fund-projects/{id}/funding-lines', twp(w),
		    { allocation_id: R.alloc.id, amount_fen: 1 }],
		['POST', '/api/v1/funding-lines/{id}/release', twp(w), reason],
		['POST', '/api/v1/fund-projects/{id}/submit', twp(w)],
		['POST', '/api/v1/fund-projects/{id}/return', twp(w), reason],
		['POST', '/api/v1/fund-projects/{id}/approve', twp(w)],
		['POST', '/api/v1/fund-projects/{id}/review', cty(w),
		    { decision: 'passed' }],
		['POST', '/api/v1/fund-projects/{id}/start', twp(w)],
		['POST', '/api/v1/fund-projects/{id}/complete', twp(w),
		    { actual_cost_fen: 1, completed_on: shanghaiDay(0) }],
		['POST', '/api/v1/fund-projects/{id}/close', twp(w)],
		['GET', '/api/v1/fund-projects/{id}/history', twp(w)],
		['GET', '/api/v1/fund-projects/{id}/disbursements', twp(w)],
		['POST', '/api/v1/fund-projects/{id}/disbursements', twp(w),
		    'pay'],
		['GET', '/api/v1/disbursements/{id}', twp(w)],
		['POST', '/api/v1/disbursements/{id}/reverse', twp(w), reason],
	];
	for (const [method, tpl, token, b] of paths) {
		const body = () => (b === 'pay' ? payBody(1) : b);
		for (const bad of ['123', 'not-a-uuid',
		    NIL_UUID.replace(/-/g, ''), `${NIL_UUID}x`]) {
			const p = tpl.replace('{id}', bad);
			const res = await api(method, p, { token, body: body(),
			    headers: { 'if-match': '"1"',
			    'idempotency-key': idemKey() } });
			try {
				expectFieldError(res, 'id', undefined,
				    { kind: 'parameter' });
			} catch (e) {
				e.message = `${method} ${p}: ${e.message}`;
				throw e;
			}
		}
		/* Well-formed, not there: 404. */
		const p = tpl.replace('{id}', NIL_UUID);
		const res = await api(method, p, { token, body: body(),
		    headers: { 'if-match': '"1"', 'idempotency-key': idemKey() } });
		try {
			expectProblem(res, 404, 'not_found');
		} catch (e) {
			e.message = `${method} ${p}: ${e.message}`;
			throw e;
		}
	}
});

test('funds input: bad query parameters of every list and report are ' +
    '400 naming the parameter', async () => {
	const pid = R.running.id;
	const cases = [
		['/api/v1/fund-sources', cty(w), [['fiscal_year', 'abc'],
		    ['fiscal_year', '1999'], ['fiscal_year', '2101'],
		    ['category', 'nope']]],
		['/api/v1/fund-allocations', cty(w), [['source_id', 'abc'],
		    ['township_code', '12345'], ['fiscal_year', 'x'],
		    ['township_code', 'abcdefghi']]],
		['/api/v1/fund-projects', cty(w), [['status', 'approved'],
		    ['status', 'nope'], ['category', 'road'],
		    ['village_code', '123'], ['township_code', '1234567890'],
		    ['delivery', 'self']]],
		['/api/v1/fund-filings', cty(w), [['status', 'filed'],
		    ['township_code', 'x']]],
		['/api/v1/funds/ledger', cty(w), [['kind', 'payment'],
		    ['project_id', 'x'], ['allocation_id', '1'],
		    ['township_code', '99'], ['cursor', 'abc'],
		    ['cursor', '-1']]],
		[`/api/v1/fund-projects/${pid}/disbursements`, R.maker,
		    [['kind', 'refund']]],
		[`/api/v1/fund-projects/${pid}/history`, R.maker, []],
		['/api/v1/funds/report', cty(w), [['township_code', '1'],
		    ['from', '2026-13-01'], ['to', '2026/01/01'],
		    ['from', 'yesterday']]],
		['/api/v1/funds/county-summary', cty(w), [['from', '2026-02-30'],
		    ['to', '1']]],
	];
	for (const [base, token, params] of cases) {
		const lists = !base.includes('/funds/report') &&
		    !base.includes('county-summary');
		const all = [...params, ['colour', 'red']];
		if (lists) {
			all.push(['limit', '0'], ['limit', '-1'], ['limit', 'x'],
			    ['limit', '100000'], ['cursor', 'not a cursor']);
		}
		for (const [name, value] of all) {
			const p = `${base}${base.includes('?') ? '&' : '?'}` +
			    `${name}=${encodeURIComponent(value)}`;
			const res = await api('GET', p, { token });
			try {
				expectFieldError(res, name, name === 'colour' ?
				    'unknown_parameter' : undefined,
				    { kind: 'parameter' });
			} catch (e) {
				e.message = `GET ${p}: ${e.message}`;
				throw e;
			}
		}
		/* An empty or repeated filter. */
		if (params.length > 0) {
			const [name, value] = params[0];
			for (const q of [`${name}=`, `${name}=${value}&${name}=` +
			    `${value}`]) {
				const res = await api('GET', `${base}?${q}`, { token });
				try {
					expectFieldError(res, name, undefined,
					    { kind: 'parameter' });
				} catch (e) {
					e.message = `GET ${base}?${q}: ${e.message}`;
					throw e;
				}
			}
		}
	}
	/* A period that ends before it starts. */
	for (const base of ['/api/v1/funds/report',
	    '/api/v1/funds/county-summary']) {
		const res = await api('GET', `${base}?from=2026-05-02&to=2026-05-01`,
		    { token: cty(w) });
		expectNo5xx(res);
		assert.equal(res.status, 400, res.text);
		assert.ok(res.json.errors.some((e) => e.parameter === 'to' ||
		    e.parameter === 'from'), res.text);
	}
	/* Good filters answer 200. */
	for (const q of ['/api/v1/fund-sources?fiscal_year=2026&category=' +
	    'integrated_agriculture', `/api/v1/fund-allocations?source_id=${
	    R.source.id}&township_code=${w.t1}&fiscal_year=2026`,
	    `/api/v1/fund-projects?status=in_progress&category=village_road&` +
	    `township_code=${w.t1}&delivery=contractor&village_code=${w.v1}`,
	    `/api/v1/fund-filings?status=pending_review&township_code=${w.t1}`,
	    `/api/v1/funds/ledger?kind=commitment&project_id=${pid}&` +
	    `allocation_id=${R.alloc.id}&township_code=${w.t1}&limit=1`,
	    `/api/v1/funds/report?township_code=${w.t1}&from=2026-01-01&` +
	    'to=2026-12-31', '/api/v1/funds/county-summary?from=2026-01-01&' +
	    'to=2026-12-31'])
		expectStatus(await api('GET', q, { token: cty(w) }), 200);
});

test('funds input: content type, size and JSON syntax', async () => {
	const p = '/api/v1/fund-sources';
	const form = await api('POST', p, { token: cty(w), rawBody: 'a=1',
	    headers: { 'content-type': 'application/x-www-form-urlencoded' } });
	expectProblem(form, 415);
	const dup = await api('POST', p, { token: cty(w),
	    rawBody: '{"name":"a","name":"b","category":"other",' +
	    '"fiscal_year":2026,"total_fen":1}',
	    headers: { 'content-type': 'application/json' } });
	expectFieldError(dup, '/name', 'duplicate_key');
	/* Over the service's 64 KiB: 413 (a long name is not read). */
	expectProblem(await api('POST', p, { token: cty(w),
	    body: sourceBody({ name: 'x'.repeat(70000) }) }), 413,
	    'payload_too_large');
	const pay = await api('POST',
	    `/api/v1/fund-projects/${R.running.id}/disbursements`,
	    { token: R.maker, rawBody: '{"amount_fen": 1,',
	    headers: { 'content-type': 'application/json',
	    'idempotency-key': idemKey() } });
	expectProblem(pay, 400);
});
