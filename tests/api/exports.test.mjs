/*
 * Exports (issue 7): every dataset in CSV and XLSX holds exactly the rows
 * its list endpoint returns (same ids, the same values: amounts fen/100
 * with 2 decimals, dates as dates), the CSV starts with a BOM and Chinese
 * headers, each XLSX read back with a real reader (Python's zipfile + xml)
 * has its sheets, a frozen header row, date cells that are numbers with a
 * date format and amounts that are numbers.  Access: a township user's
 * export holds its township only, a partner without the scope is 403,
 * bad datasets, formats and filters are 404/400 naming the parameter.
 * A large export (100,000 staff rows seeded as the superuser) completes
 * with bounded worker memory while /healthz keeps answering.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
	existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync,
	unlinkSync, writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
	BASE, ROOT, expectFieldError, expectProblem, fixtures, tokenFor,
} from './lib.mjs';
import {
	XLSX_TYPE, download, listAll, parseCsv, readXlsx, serialDate, yuan,
} from './exports-lib.mjs';
import { township } from './personnel-lib.mjs';

const f = fixtures();
const county = () => tokenFor('county', { county: f.county });
const twp = () => tokenFor('township', { county: f.county,
    township: f.t1 });

/* ---------------------------------------------------- what to compare */

const L = {
	establishment: { civil_servant: '公务员',
	    public_institution: '事业编制', contract: '合同制' },
	staffStatus: { active: '在岗', on_leave: '休假',
	    transferred_out: '已调出' },
	role: { lead: '组长', member: '组员' },
	depStatus: { active: '有效', cancelled: '已取消' },
	projStatus: { draft: '草稿', submitted: '已提交', filed: '已备案',
	    review_passed: '审核通过', rectification_required: '需整改',
	    revoked: '已撤销', in_progress: '实施中', completed: '已完工',
	    closed: '已结项' },
	disbKind: { payment: '支付', reversal: '冲销' },
	coopKind: { labor: '劳务合作社', machinery: '农机合作社',
	    farmland: '土地股份合作社', housing: '房屋合作社' },
};

/*
 * Columns compared: [header, kind, value of the list item].  Kinds:
 * text, label (a label table), date, money (fen), x100, int, num.
 */
const T = (h, fn) => [h, 'text', fn];
const D = (h, fn) => [h, 'date', fn];
const M = (h, fn) => [h, 'money', fn];
const I = (h, fn) => [h, 'int', fn];
const N = (h, fn) => [h, 'num', fn];
const X = (h, fn) => [h, 'x100', fn];
const B = (h, labels, fn) => [h, labels, fn];

const SPECS = {
	staff: [{ table: 'staff', sheet: '人员名册',
	    items: (tok) => listAll('/api/v1/staff', tok), cols: [
		T('人员ID', (x) => x.id), T('姓名', (x) => x.name),
		T('乡镇代码', (x) => x.township_code),
		B('编制类型', L.establishment, (x) => x.establishment),
		T('岗位', (x) => x.post), T('技能', (x) => x.skills.join(',')),
		B('状态', L.staffStatus, (x) => x.status),
		T('手机号', (x) => x.phone),
	] }],
	deployments: [{ table: 'deployments', sheet: '人员派驻',
	    items: (tok) => listAll('/api/v1/deployments', tok), cols: [
		T('派驻ID', (x) => x.id), T('乡镇代码', (x) => x.township_code),
		T('专项工作ID', (x) => x.campaign_id),
		T('人员ID', (x) => x.staff_id), D('开始日期', (x) => x.from),
		D('结束日期', (x) => x.to),
		I('投入比例(%)', (x) => x.share_percent),
		B('角色', L.role, (x) => x.role),
		B('状态', L.depStatus, (x) => x.status),
		T('取消原因', (x) => x.cancel_reason),
	] }],
	projects: [{ table: 'projects', sheet: '项目',
	    items: (tok) => listAll('/api/v1/fund-projects', tok), cols: [
		T('项目ID', (x) => x.id), T('乡镇代码', (x) => x.township_code),
		T('村代码', (x) => x.village_code),
		T('项目名称', (x) => x.title),
		M('预算(元)', (x) => x.budget_fen),
		M('已安排资金(元)', (x) => x.committed_fen),
		M('已拨付(元)', (x) => x.disbursed_fen),
		M('待拨付(元)', (x) => x.remaining_fen),
		D('计划开工', (x) => x.planned_start),
		D('计划完工', (x) => x.planned_end),
		D('完工日期', (x) => x.completed_on),
		B('状态', L.projStatus, (x) => x.status),
	] }, { table: 'funding_lines', sheet: '资金来源明细',
	    items: async (tok) => (await listAll('/api/v1/fund-projects',
		tok)).flatMap((p) => p.funding_lines), cols: [
		T('明细ID', (x) => x.id), T('项目ID', (x) => x.project_id),
		T('资金来源ID', (x) => x.source_id),
		T('指标ID', (x) => x.allocation_id),
		M('安排金额(元)', (x) => x.committed_fen),
		M('已拨付(元)', (x) => x.disbursed_fen),
		M('已释放(元)', (x) => x.released_fen),
	] }],
	disbursements: [{ table: 'disbursements', sheet: '资金拨付',
	    items: async (tok) => {
		const out = [];
		for (const p of await listAll('/api/v1/fund-projects', tok))
			out.push(...await listAll(
			    `/api/v1/fund-projects/${p.id}/disbursements`, tok));
		return out;
	    }, cols: [
		T('拨付ID', (x) => x.id), T('项目ID', (x) => x.project_id),
		T('乡镇代码', (x) => x.township_code),
		B('类型', L.disbKind, (x) => x.kind),
		M('金额(元)', (x) => x.amount_fen),
		T('收款方', (x) => x.payee_name),
		T('凭证号', (x) => x.voucher_no),
		D('支付日期', (x) => x.paid_on),
		T('冲销的拨付ID', (x) => x.reverses_id),
	] }],
	cooperatives: [{ table: 'cooperatives', sheet: '合作社',
	    items: (tok) => listAll('/api/v1/cooperatives', tok), cols: [
		T('合作社ID', (x) => x.id), T('名称', (x) => x.name),
		B('类型', L.coopKind, (x) => x.kind),
		T('统一社会信用代码', (x) => x.uscc),
		D('成立日期', (x) => x.founded_on),
		M('注册资本(元)', (x) => x.registered_capital_fen),
		I('在册成员数', (x) => x.member_count),
		T('服务村', (x) => x.villages.join(',')),
	] }, { table: 'members', sheet: '成员',
	    items: async (tok) => {
		const out = [];
		for (const c of await listAll('/api/v1/cooperatives', tok))
			out.push(...await listAll(
			    `/api/v1/cooperatives/${c.id}/members`, tok));
		return out;
	    }, cols: [
		T('成员ID', (x) => x.id), T('合作社ID', (x) => x.cooperative_id),
		T('姓名', (x) => x.name), T('村代码', (x) => x.village_code),
		T('身份证号(脱敏)', (x) => x.resident_id_masked),
		D('入社日期', (x) => x.joined_on),
		D('退社日期', (x) => x.left_on),
		M('出资金额(元)', (x) => x.contribution.fen),
		X('出资土地(亩)', (x) => x.contribution.mu_x100),
		I('出资劳务(天)', (x) => x.contribution.labour_days),
	] }, { table: 'assets', sheet: '资产',
	    items: async (tok) => {
		const out = [];
		for (const c of await listAll('/api/v1/cooperatives', tok)) {
			for (const k of ['machines', 'parcels', 'houses'])
				out.push(...(await listAll(
				    `/api/v1/cooperatives/${c.id}/${k}`, tok))
				    .map((a) => ({ ...a, cooperative_id: c.id })));
		}
		return out;
	    }, cols: [
		T('资产ID', (x) => x.id), T('合作社ID', (x) => x.cooperative_id),
		T('型号/地块编码/地址', (x) => x.model ?? x.parcel_code ??
		    x.address),
		T('号牌/权证号', (x) => x.plate_or_serial ?? x.certificate_no),
		N('功率(千瓦)', (x) => x.power_kw),
		X('面积(亩)', (x) => x.area_mu_x100),
		N('建筑面积(平方米)', (x) => x.floor_area_m2),
	] }],
};

/* The CSV text of a list value for this kind. */
function csvValue(kind, v)
{
	if (v === null || v === undefined)
		return '';
	if (typeof kind === 'object')
		return kind[v] ?? v;
	if (kind === 'money' || kind === 'x100')
		return yuan(v);
	return String(v);
}

function checkCsvRows(rows, spec, items, what)
{
	const heads = rows[0];
	const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
	assert.equal(rows.length - 1, items.length, `${what}: row count`);
	assert.equal(byId.size, items.length, `${what}: distinct ids`);
	for (const it of items) {
		const r = byId.get(it.id);
		assert.ok(r, `${what}: row ${it.id}`);
		assert.equal(r.length, heads.length, `${what}: columns`);
		for (const [h, kind, fn] of spec.cols) {
			const i = heads.indexOf(h);
			assert.ok(i >= 0, `${what}: header ${h} in ${heads}`);
			let want = csvValue(kind, fn(it));
			if (kind === 'num' && want !== '')
				assert.equal(Number(r[i]), Number(want), `${what} ${h}`);
			else {
				if (/^[=+\-@]/.test(want))
					want = `'${want}`;
				assert.equal(r[i], want, `${what} ${it.id} ${h}`);
			}
		}
	}
}

function checkSheet(sheet, spec, items, what)
{
	assert.equal(sheet.name, spec.sheetName, `${what}: sheet name`);
	assert.ok(sheet.frozen, `${what}: a frozen pane`);
	assert.equal(sheet.frozen.ySplit, 1, `${what}: the header row frozen`);
	assert.equal(sheet.frozen.topLeftCell, 'A2');
	assert.ok(sheet.cols.length > 0 && sheet.cols.every((c) =>
	    c.width >= 8 && c.width <= 60), `${what}: column widths`);
	const heads = sheet.rows[0].map((c) => c.v);
	assert.equal(sheet.rows.length - 1, items.length, `${what}: row count`);
	const byId = new Map(sheet.rows.slice(1).map((r) => [r[0].v, r]));
	assert.equal(byId.size, items.length, `${what}: distinct ids`);
	for (const it of items) {
		const r = byId.get(it.id);
		assert.ok(r, `${what}: row ${it.id}`);
		for (const [h, kind, fn] of spec.cols) {
			const i = heads.indexOf(h);
			assert.ok(i >= 0, `${what}: header ${h}`);
			const v = fn(it);
			const c = r[i] ?? null;
			const where = `${what} ${it.id} ${h}`;
			if (v === null || v === undefined || v === '') {
				assert.ok(c === null || c.v === '', `${where}: empty`);
				continue;
			}
			if (kind === 'date') {
				assert.equal(c.t, 'n', `${where}: a date is a number`);
				assert.equal(c.fmt, 'yyyy-mm-dd', `${where}: date style`);
				assert.equal(serialDate(c.v), v, where);
			} else if (kind === 'money') {
				assert.equal(c.t, 'n', `${where}: an amount is a number`);
				assert.equal(c.fmt, '#,##0.00', `${where}: money style`);
				assert.equal(Math.round(c.v * 100), v, where);
			} else if (kind === 'x100') {
				assert.equal(c.t, 'n', where);
				assert.equal(Math.round(c.v * 100), v, where);
			} else if (kind === 'int' || kind === 'num') {
				assert.equal(c.t, 'n', where);
				assert.equal(c.v, Number(v), where);
			} else {
				assert.equal(c.t, 's', where);
				assert.equal(c.v, csvValue(kind, v), where);
			}
		}
	}
}

function disposition(res, ascii, zh)
{
	const d = res.headers.get('content-disposition');
	assert.ok(d.startsWith('attachment; '), d);
	const m = /filename="([^"]+)"/.exec(d);
	assert.ok(m && m[1].startsWith(ascii), `ASCII filename in ${d}`);
	const m2 = /filename\*=UTF-8''([^;]+)/.exec(d);
	assert.ok(m2, `RFC 5987 filename* in ${d}`);
	assert.ok(decodeURIComponent(m2[1]).startsWith(zh),
	    `${decodeURIComponent(m2[1])} starts with ${zh}`);
}

const TITLES = { staff: '人员名册', deployments: '人员派驻',
    projects: '项目资金', disbursements: '资金拨付', cooperatives: '合作社' };

/* ---------------------------------------------- every dataset, county */

for (const [ds, specs] of Object.entries(SPECS)) {
	specs.forEach((s) => { s.sheetName = s.sheet; });
	test(`exports: ${ds} as CSV and XLSX equal the list endpoints`,
	    async () => {
		const tok = county();
		const items = [];
		for (const s of specs)
			items.push(await s.items(tok));
		assert.ok(items[0].length > 0, `${ds}: the demo has rows`);
		for (let k = 0; k < specs.length; k++) {
			const q = k === 0 ? '' : `&table=${specs[k].table}`;
			const res = await download(
			    `/api/v1/exports/${ds}?format=csv${q}`, tok);
			assert.equal(res.status, 200, res.text.slice(0, 300));
			assert.equal(res.headers.get('content-type'),
			    'text/csv; charset=utf-8');
			disposition(res, ds, TITLES[ds]);
			const rows = parseCsv(res.buf);
			assert.equal(rows[0][0], specs[k].cols[0][0],
			    'Chinese headers');
			assert.equal(res.headers.get('x-export-rows'),
			    String(rows.length - 1));
			checkCsvRows(rows, specs[k], items[k], `${ds} csv ${k}`);
		}
		const res = await download(`/api/v1/exports/${ds}?format=xlsx`,
		    tok);
		assert.equal(res.status, 200, res.text.slice(0, 300));
		assert.equal(res.headers.get('content-type'), XLSX_TYPE);
		assert.equal(Number(res.headers.get('content-length')),
		    res.buf.length);
		disposition(res, ds, TITLES[ds]);
		const wb = readXlsx(res.buf);
		assert.deepEqual(wb.sheets.map((s) => s.name),
		    specs.map((s) => s.sheetName), 'one sheet per table');
		specs.forEach((s, k) => checkSheet(wb.sheets[k], s, items[k],
		    `${ds} xlsx ${s.sheetName}`));
	});
}

/* ------------------------------------------------------------- access */

test('exports: a township user exports its own township only', async () => {
	const tok = twp();
	for (const ds of ['staff', 'projects', 'cooperatives']) {
		const res = await download(`/api/v1/exports/${ds}?format=csv`,
		    tok);
		assert.equal(res.status, 200);
		const rows = parseCsv(res.buf);
		assert.ok(rows.length > 1, `${ds}: some rows`);
		const i = rows[0].indexOf('乡镇代码');
		assert.ok(rows.slice(1).every((r) => r[i] === f.t1),
		    `${ds}: only ${f.t1}`);
		const other = await download(`/api/v1/exports/${ds}?format=csv` +
		    `&township=${f.t2}`, tok);
		assert.equal(parseCsv(other.buf).length, 1,
		    `${ds}: another township filters to nothing`);
	}
	/* The staff phone as the township's own list shows it: whole. */
	const res = await download('/api/v1/exports/staff?format=csv', tok);
	const rows = parseCsv(res.buf);
	const items = await listAll('/api/v1/staff', tok);
	checkCsvRows(rows, SPECS.staff[0], items, 'township staff');
	assert.ok(items.some((x) => /^1[0-9]{10}$/.test(x.phone ?? '')),
	    'the township sees whole phones');
});

test('exports: county filters narrow like the list filters', async () => {
	const tok = county();
	const res = await download('/api/v1/exports/projects?format=csv' +
	    `&township=${f.t2}&status=closed`, tok);
	const rows = parseCsv(res.buf);
	const items = await listAll('/api/v1/fund-projects?township_code=' +
	    `${f.t2}&status=closed`, tok);
	checkCsvRows(rows, SPECS.projects[0], items, 'filtered projects');
	const d = await download('/api/v1/exports/disbursements?format=csv' +
	    '&from=2026-01-01&to=2026-06-30', tok);
	const dr = parseCsv(d.buf);
	const i = dr[0].indexOf('支付日期');
	assert.ok(dr.slice(1).every((r) => r[i] >= '2026-01-01' &&
	    r[i] <= '2026-06-30'), 'paid_on within from..to');
});

test('exports: village users and partners get what their lists give',
    async () => {
	const vil = tokenFor('village', { county: f.county, township: f.t1,
	    village: f.v1 });
	for (const ds of ['staff', 'deployments'])
		expectProblem(await download(`/api/v1/exports/${ds}?format=csv`,
		    vil), 403, 'forbidden');
	const p = await download('/api/v1/exports/projects?format=csv', vil);
	assert.equal(p.status, 200);
	const rows = parseCsv(p.buf);
	const items = await listAll('/api/v1/fund-projects', vil);
	checkCsvRows(rows, SPECS.projects[0], items, 'village projects');

	/* Members: the village's own, no resident IDs at all. */
	const m = await download('/api/v1/exports/cooperatives?format=csv' +
	    '&table=members', vil);
	const mr = parseCsv(m.buf);
	const id = mr[0].indexOf('身份证号(脱敏)');
	const vc = mr[0].indexOf('村代码');
	assert.ok(mr.slice(1).every((r) => r[id] === '' && r[vc] === f.v1));

	const partner = tokenFor('partner', { county: f.county,
	    scope: 'coops:read', townships: [f.t1] });
	const x = await download('/api/v1/exports/cooperatives?format=xlsx',
	    partner);
	assert.equal(x.status, 200);
	const wb = readXlsx(x.buf);
	assert.deepEqual(wb.sheets.map((s) => s.name), ['合作社', '资产'],
	    'no members sheet for partners (the member list is not theirs)');
	const tw = wb.sheets[0].rows[0].findIndex((c) => c.v === '乡镇代码');
	assert.ok(wb.sheets[0].rows.length > 1);
	assert.ok(wb.sheets[0].rows.slice(1).every((r) => r[tw].v === f.t1),
	    'the granted township only');
	expectProblem(await download('/api/v1/exports/cooperatives?format=csv' +
	    '&table=members', partner), 403, 'forbidden');
	expectProblem(await download('/api/v1/exports/projects?format=csv',
	    partner), 403, 'insufficient_scope');
	expectProblem(await download('/api/v1/exports/disbursements?format=' +
	    'csv', tokenFor('partner', { county: f.county,
	    scope: 'funds:read', townships: '*' })), 403, 'forbidden');
	expectProblem(await download('/api/v1/exports/staff?format=csv'),
	    401, 'token_missing');
});

/* ------------------------------------------------------------- inputs */

test('exports: bad dataset, format and filters are 404/400', async () => {
	const tok = county();
	expectProblem(await download('/api/v1/exports/ledger?format=csv', tok),
	    404, 'route_not_found');
	expectProblem(await download('/api/v1/exports/staff.csv', tok), 404,
	    'route_not_found');
	const bad = (q, param, code) => download(`/api/v1/exports/${q}`, tok)
	    .then((r) => expectFieldError(r, param, code,
	    { kind: 'parameter' }));
	await bad('staff', 'format', 'required');
	await bad('staff?format=pdf', 'format', 'enum');
	await bad('staff?format=csv&township=12', 'township', 'format');
	await bad('staff?format=csv&status=gone', 'status', 'enum');
	await bad('staff?format=csv&colour=red', 'colour', 'unknown_parameter');
	await bad('staff?format=csv&limit=5', 'limit', 'unknown_parameter');
	await bad('staff?format=csv&format=xlsx', 'format', 'format');
	await bad('projects?format=xlsx&table=projects', 'table',
	    'not_allowed');
	await bad('projects?format=csv&table=members', 'table', 'enum');
	await bad('deployments?format=csv&from=2026-02-30', 'from', 'format');
	await bad('deployments?format=csv&from=2026-03-01&to=2026-02-01', 'to',
	    'out_of_range');
	await bad('disbursements?format=csv&project=nope', 'project',
	    'format');
});

/* A staff member of township X with this name and post (201). */
async function addStaff(X, name, post)
{
	const s = await (await fetch(`${BASE}/api/v1/staff`, {
		method: 'POST', headers: { authorization: `Bearer ${X.tok}`,
		    'content-type': 'application/json' },
		body: JSON.stringify({ name, origin_unit_id: X.unit,
		    establishment: 'contract',
		    center_id: X.centers.social_affairs, post }),
	})).json();
	assert.ok(s.id, JSON.stringify(s));
	return s;
}

test('exports: CSV fields a spreadsheet would run are defused',
    async (t) => {
	const X = await township(t, 1);
	const tok = X.tok;
	const s = await addStaff(X, '=HYPERLINK("http://x","点")',
	    '+科员, "甲"');
	/* A semicolon splits cells where Excel's list separator is ";". */
	const s2 = await addStaff(X, '王;=1+1', '科员');
	const res = await download(`/api/v1/exports/staff?format=csv&township=` +
	    `${X.code}`, tok);
	const rows = parseCsv(res.buf);
	assert.equal(rows.length, 3);
	const r1 = rows.find((r) => r[0] === s.id);
	assert.equal(r1[1], '\'=HYPERLINK("http://x","点")');
	assert.equal(r1[7], '\'+科员, "甲"');
	assert.equal(rows.find((r) => r[0] === s2.id)[1], '王;=1+1');
	assert.ok(res.buf.toString('utf8').includes(',"王;=1+1",'),
	    'a field with a semicolon is quoted');
	const x = readXlsx((await download('/api/v1/exports/staff?format=' +
	    `xlsx&township=${X.code}`, tok)).buf);
	const xr = x.sheets[0].rows.find((r) => r[0].v === s.id);
	assert.equal(xr[1].t, 's', 'a string cell, no formula');
	assert.equal(xr[1].v, '=HYPERLINK("http://x","点")');
});

/* -------------------------------------------------------------- large */

function superuser(sql)
{
	const dir = process.env.XZ_PG_DIR;
	assert.ok(dir, 'XZ_PG_DIR (tests/run-suites.sh sets it)');
	const pw = readFileSync(path.join(dir, 'superuser.pw'), 'utf8').trim();
	return execFileSync('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1',
	    '-h', '127.0.0.1', '-p', process.env.XZ_PG_PORT, '-U', 'xz_super',
	    '-d', 'xiangzhi', '-c', sql], { encoding: 'utf8',
	    env: { ...process.env, PGPASSWORD: pw } });
}

/*
 * The release build of the module (build/xiangzhi.so, what `make run`
 * serves) on its own port against the same database: memory and latency
 * figures under AddressSanitizer (its quarantine keeps up to 256 MB of
 * freed memory, its shadow more) would measure the sanitizer.  One
 * worker, so /healthz is served by the worker that exports; at most two
 * exports at once.
 */
function releaseService(prepare = () => {})
{
	const dir = mkdtempSync('/tmp/xz-export-release-');
	prepare(dir);
	const env = { ...process.env, root: ROOT,
	    XZ_DATABASE_URL: `host=127.0.0.1 port=${process.env.XZ_PG_PORT}` +
	    ' dbname=xiangzhi user=xiangzhi_app password=' +
	    (process.env.XZ_APP_PASSWORD || 'xiangzhi-dev-app'),
	    XZ_EXPORT_DIR: dir, XZ_EXPORT_MAX: '2', XZ_WORKERS: '1' };
	const port = execFileSync('sh', ['-c', '. "$root/tests/lib.sh";' +
	    ' prepare_dir "$1"; p=$(free_port 21000);' +
	    ' start_service "$1" "$p" "$root/build/xiangzhi.so" >&2 && echo $p',
	    'sh', dir], { env, encoding: 'utf8' }).trim();
	assert.match(port, /^[0-9]+$/, 'the release service started');
	return {
		dir, base: `http://127.0.0.1:${port}`,
		stop: () => {
			execFileSync('sh', ['-c', '. "$root/tests/lib.sh";' +
			    ' stop_service "$1"', 'sh', dir], { env });
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/* The service's workers: the children of the pidfile's main process. */
function workerPids(work)
{
	const main = readFileSync(path.join(work, 'kore-main.pid'), 'utf8')
	    .trim();
	const out = [];
	for (const d of readdirSync('/proc')) {
		if (!/^[0-9]+$/.test(d))
			continue;
		try {
			const st = readFileSync(`/proc/${d}/stat`, 'utf8');
			const ppid = st.slice(st.lastIndexOf(')') + 2).split(' ')[1];
			if (ppid === main)
				out.push(d);
		} catch {
			/* gone */
		}
	}
	assert.ok(out.length > 0, 'kore workers found');
	return out;
}

function rss(pid)
{
	const m = /VmRSS:\s+([0-9]+) kB/.exec(readFileSync(`/proc/${pid}/status`,
	    'utf8'));
	return Number(m[1]);
}

test('exports: 100,000 rows stream with bounded memory', async (t) => {
	const X = await township(t, 1, f.county);
	const n = 100000;
	/* Triggers (audit, rules) off for the bulk insert and its removal. */
	superuser(`set session_replication_role = replica;
insert into staff (county_code, township_code, name, origin_unit_id,
    establishment, center_id, post)
select '${f.county}', '${X.code}', '批量' || g, '${X.unit}', 'contract',
    '${X.centers.social_affairs}', '科员' from generate_series(1, ${n}) g;
analyze staff;`);
	/*
	 * Workbooks left by a worker that died while zipping: the service
	 * removes those of processes that are gone when it starts, not those
	 * of live ones (another service's, here this test's own pid).
	 */
	const gone = spawnSync('true').pid;
	const left = [`xiangzhi-export-${gone}-7.xlsx`,
	    `xiangzhi-export-${process.pid}-7.xlsx`, 'xiangzhi-export-x.xlsx'];
	const svc = releaseService((dir) => {
		for (const name of left)
			writeFileSync(path.join(dir, name), 'PK');
	});
	try {
		assert.equal(existsSync(path.join(svc.dir, left[0])), false,
		    'a dead worker\'s workbook is removed at start');
		assert.ok(existsSync(path.join(svc.dir, left[1])),
		    'a live process\'s stays');
		assert.ok(existsSync(path.join(svc.dir, left[2])),
		    'a name not of this form stays');
		unlinkSync(path.join(svc.dir, left[1]));
		unlinkSync(path.join(svc.dir, left[2]));
		await large(X, n, svc);
	} finally {
		svc.stop();
		/* Before the township's own cleanup (which audits deletes). */
		superuser(`set session_replication_role = replica;
		    delete from staff where township_code = '${X.code}'`);
	}
});

async function large(X, n, svc)
{
	/*
	 * Warm up: a worker opens its database connections (blocking, with
	 * every statement prepared) on first use; that is not the export's.
	 */
	for (let i = 0; i < 8; i++) {
		const w = await fetch(`${svc.base}/api/v1/exports/staff?` +
		    `format=csv&township=${X.code}&status=on_leave`,
		    { headers: { authorization: `Bearer ${X.tok}`,
		    connection: 'close' } });
		assert.equal(w.status, 200);
		await w.arrayBuffer();
	}
	/* Two exports at once at most (XZ_EXPORT_MAX): a third waits. */
	const url = `${svc.base}/api/v1/exports/staff?format=csv&township=` +
	    X.code;
	const auth = { headers: { authorization: `Bearer ${X.tok}` } };
	const two = [fetch(url, auth), fetch(url, auth)];
	await new Promise((r) => setTimeout(r, 500));
	const busy = await fetch(url, auth);
	assert.equal(busy.status, 503);
	assert.equal(busy.headers.get('retry-after'), '5');
	assert.equal((await busy.json()).code, 'exports_busy');
	for (const r of await Promise.all(two)) {
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('x-export-rows'), String(n));
		await r.arrayBuffer();
	}

	const pids = workerPids(svc.dir);
	const before = Object.fromEntries(pids.map((p) => [p, rss(p)]));
	const peak = { ...before };
	const lat = [];
	const results = {};
	const bodies = {};
	for (const fmt of ['csv', 'xlsx']) {
		let running = true;
		const watch = (async () => {
			while (running) {
				for (const p of pids)
					peak[p] = Math.max(peak[p], rss(p));
				const t0 = performance.now();
				const h = await fetch(`${svc.base}/healthz`);
				await h.arrayBuffer();
				lat.push(performance.now() - t0);
				await new Promise((r) => setTimeout(r, 20));
			}
		})();
		const t0 = performance.now();
		const res = await fetch(`${svc.base}/api/v1/exports/staff?` +
		    `format=${fmt}&township=${X.code}`,
		    { headers: { authorization: `Bearer ${X.tok}` } });
		const buf = Buffer.from(await res.arrayBuffer());
		results[fmt] = { ms: Math.round(performance.now() - t0),
		    bytes: buf.length };
		running = false;
		await watch;
		assert.equal(res.status, 200, buf.toString().slice(0, 200));
		assert.equal(res.headers.get('x-export-rows'), String(n));
		bodies[fmt] = buf;
	}
	/* Parsed after the measurements (a parse blocks this process). */
	const lines = bodies.csv.toString('utf8').split('\r\n');
	assert.equal(lines.length - 1, n + 1, 'header + 100,000 lines');
	assert.equal(lines[n + 1], '');
	assert.ok(lines[0].startsWith('\ufeff人员ID,姓名,'));
	const wb = readXlsx(bodies.xlsx, true);
	assert.deepEqual(wb.sheets, [{ name: '人员名册', rows: n + 1 }]);

	/*
	 * Clients that leave mid-export (while the rows are spooled, while
	 * the XLSX is zipped) leave nothing.  They leave at a share of the
	 * time the same export took above (fixed times were too late on a
	 * quiet machine), and sooner again when the export ended first.
	 */
	for (const [fmt, share] of [['csv', 0.3], ['xlsx', 0.3],
	    ['xlsx', 0.8]]) {
		let left = false;
		for (let k = share, i = 0; !left && i < 4; k /= 2, i++) {
			const ac = new AbortController();
			const timer = setTimeout(() => ac.abort(),
			    Math.max(5, results[fmt].ms * k));
			try {
				const r = await fetch(`${svc.base}/api/v1/` +
				    `exports/staff?format=${fmt}&township=` +
				    X.code, { signal: ac.signal, headers:
				    { authorization: `Bearer ${X.tok}` } });
				await r.arrayBuffer();
				assert.equal(r.status, 200, `${fmt} ended first`);
			} catch (e) {
				if (e.name !== 'AbortError')
					throw e;
				left = true;
			}
			clearTimeout(timer);
		}
		assert.ok(left, `a ${fmt} export was left before it ended`);
	}

	/* Nothing left behind: no spool file, no descriptor on one. */
	await new Promise((r) => setTimeout(r, 1000));
	const own = ['rt', 'kore.conf', 'kore.log', 'kore.pgid',
	    'kore-main.pid'];
	assert.deepEqual(readdirSync(svc.dir).filter((x) => !own.includes(x)),
	    [], 'spool files removed');
	assert.doesNotMatch(readFileSync(path.join(svc.dir, 'kore.log'), 'utf8'),
	    /sandbox violation|died from/, 'no worker died');
	for (const p of pids) {
		const open = readdirSync(`/proc/${p}/fd`).map((fd) => {
			try {
				return readlinkSync(`/proc/${p}/fd/${fd}`);
			} catch {
				return '';
			}
		}).filter((l) => l.startsWith(svc.dir) &&
		    !l.endsWith('/kore.log'));
		assert.deepEqual(open, [], `worker ${p} keeps no spool open`);
	}

	const growth = Math.max(...pids.map((p) => peak[p] - before[p]));
	lat.sort((a, b) => a - b);
	const p50 = lat[Math.floor(lat.length / 2)];
	const max = lat[lat.length - 1];
	console.log(`# 100,000 rows (release build): ${JSON.stringify(results)};` +
	    ` worker RSS growth ${growth} kB (before ${JSON.stringify(before)});` +
	    ` /healthz ${lat.length} checks during the exports, p50 ` +
	    `${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
	/*
	 * The CSV alone is 13 MB and the rows more: a worker holding them
	 * would grow by far more than batches of 2,000 rows do.
	 */
	assert.ok(growth < 12 * 1024, `worker RSS grew ${growth} kB`);
	assert.ok(lat.length >= 20, 'health checks ran during the exports');
	assert.ok(p50 < 100, `/healthz p50 ${p50} ms during the exports`);
	assert.ok(max < 1500, `/healthz max ${max} ms during the exports`);
}
