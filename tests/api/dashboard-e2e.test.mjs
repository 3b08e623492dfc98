/*
 * The dashboard web page (/dashboard/, issue 7) end to end: first its files
 * over HTTP (types, caching, CSP, the allow-list), then the page itself in
 * headless Chromium (Debian's `chromium`, driven by playwright-core; both
 * installed by `make test`): sign in as the demo county user, every chart
 * drawn with data, money in 万元, a township drill-down, sign-out; a
 * township user landing on their own township; an expired session; and a
 * phone-width pass.  Screenshots are the suite's artifacts: dashboard.png
 * and dashboard-phone.png in $XZ_WORK (the run's directory, kept when a
 * test fails) and in build/artifacts/ (kept after a green run too); their
 * paths are printed as TAP comments.
 *
 * Every request the page makes must go to the service under test on
 * 127.0.0.1: the page works offline.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { existsSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { BASE, ROOT, api, expectProblem, expectStatus, noteSecret, rawHttp,
    tokenRequest } from './lib.mjs';

const DEMO_PW = 'xiangzhi-demo-2026';
noteSecret('password', DEMO_PW);
const COUNTY_LOGIN = 'county.330599';
const TOWNSHIP_LOGIN = 'officer.330599100';
const CHARTS = ['chart-funds', 'chart-staff', 'chart-coops', 'chart-review'];
const CHROMIUM = process.env.XZ_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = [process.env.XZ_WORK,
    path.join(ROOT, 'build', 'artifacts')].filter(Boolean);
const WAIT = 30000;

/* The page's own 万元 formatting, restated: fen / 1,000,000, 2 decimals. */
function wan(fen)
{
	const h = Math.round(fen / 10000);
	return `${String(Math.floor(h / 100)).replace(/\B(?=(\d{3})+(?!\d))/g,
	    ',')}.${String(h % 100).padStart(2, '0')} 万元`;
}

async function signIn(login)
{
	const res = await tokenRequest({ grant_type: 'password',
	    username: login, password: DEMO_PW });
	expectStatus(res, 200);
	return res.json.access_token;
}

let countySummary;
let countyToken;

before(async () => {
	countyToken = await signIn(COUNTY_LOGIN);
	const res = await api('GET', '/api/v1/dashboard/summary',
	    { token: countyToken });
	expectStatus(res, 200);
	countySummary = res.json;
	assert.ok(countySummary.townships.length >= 2,
	    'the demo county has townships');
});

/* ---- the files over HTTP ---- */

const FILES = {
	'': 'text/html; charset=utf-8',
	'index.html': 'text/html; charset=utf-8',
	'app.js': 'text/javascript; charset=utf-8',
	'app.css': 'text/css; charset=utf-8',
	'favicon.svg': 'image/svg+xml',
	'echarts.min.js': 'text/javascript; charset=utf-8',
};

for (const [name, type] of Object.entries(FILES)) {
	test(`dashboard-e2e: GET /dashboard/${name} -> 200 ${type}, ETag, ` +
	    'no-cache, nosniff; 304 with If-None-Match', async () => {
		const res = await api('GET', `/dashboard/${name}`);
		expectStatus(res, 200);
		assert.equal(res.headers.get('content-type'), type);
		assert.equal(res.headers.get('cache-control'), 'no-cache');
		assert.equal(res.headers.get('x-content-type-options'),
		    'nosniff');
		const etag = res.headers.get('etag');
		assert.match(etag, /^"[0-9a-f]{16}"$/);
		assert.ok(res.headers.get('x-request-id'));
		const again = await api('GET', `/dashboard/${name}`,
		    { headers: { 'if-none-match': etag } });
		expectStatus(again, 304);
		assert.equal(again.text, '');
		assert.equal(again.headers.get('etag'), etag);
		const stale = await api('GET', `/dashboard/${name}`,
		    { headers: { 'if-none-match': '"0000000000000000"' } });
		expectStatus(stale, 200);
	});
}

test('dashboard-e2e: the page carries a CSP without inline script, and ' +
    'loads only its own files', async () => {
	const res = await api('GET', '/dashboard/');
	const csp = res.headers.get('content-security-policy') || '';
	assert.match(csp, /default-src 'none'/);
	assert.match(csp, /script-src 'self'(;|$)/);
	assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
	assert.match(csp, /frame-ancestors 'none'/);
	assert.doesNotMatch(res.text, /<script(?![^>]*\bsrc=)[^>]*>/,
	    'no inline <script>');
	assert.doesNotMatch(res.text, /\son[a-z]+=/i, 'no inline handlers');
	assert.doesNotMatch(res.text, /https?:\/\//, 'no absolute URL');
	assert.match(res.text, /lang="zh-CN"/);
});

test('dashboard-e2e: echarts.min.js is the one npm installed ' +
    '(web/package-lock.json)', async () => {
	const res = await fetch(`${BASE}/dashboard/echarts.min.js`);
	const served = Buffer.from(await res.arrayBuffer());
	const file = readFileSync(path.join(ROOT, 'web', 'node_modules',
	    'echarts', 'dist', 'echarts.min.js'));
	const lock = JSON.parse(readFileSync(path.join(ROOT, 'web',
	    'package-lock.json'), 'utf8'));
	const pkg = JSON.parse(readFileSync(path.join(ROOT, 'web',
	    'node_modules', 'echarts', 'package.json'), 'utf8'));
	assert.equal(pkg.version, lock.packages['node_modules/echarts'].version);
	assert.ok(served.length > 500000, `${served.length} bytes`);
	assert.equal(crypto.createHash('sha256').update(served).digest('hex'),
	    crypto.createHash('sha256').update(file).digest('hex'));
});

test('dashboard-e2e: /dashboard redirects to /dashboard/', async () => {
	const res = await api('GET', '/dashboard');
	expectStatus(res, 301);
	assert.equal(res.headers.get('location'), '/dashboard/');
});

test('dashboard-e2e: unknown files and path tricks are 404 problem+json',
    async () => {
	for (const p of ['/dashboard/nope.js', '/dashboard/index.htm',
	    '/dashboard/APP.JS', '/dashboard/app.js.map',
	    '/dashboard/package.json', '/dashboard/node_modules',
	    '/dashboard/app.js/x', '/dashboard/..%2fMakefile',
	    '/dashboard/%2e%2e%2fapp%2fmodule.c']) {
		const res = await api('GET', p);
		assert.equal(res.status, 404, p);
		assert.match(res.headers.get('content-type') || '',
		    /^application\/problem\+json/, p);
	}
	expectProblem(await api('GET', '/dashboard/nope.js'), 404,
	    'not_found');
	/* Sent as is (fetch would resolve the dots itself). */
	for (const p of ['/dashboard/../Makefile', '/dashboard/./app.js/..',
	    '/dashboard/../../etc/passwd']) {
		const r = await rawHttp(`GET ${p} HTTP/1.1\r\nHost: x\r\n` +
		    'Connection: close\r\n\r\n');
		assert.ok(r.status === 404 || r.status === 400,
		    `${p}: ${r.status}`);
		assert.doesNotMatch(r.body, /root:|CFLAGS|KORE_SECCOMP/, p);
	}
	const post = await api('POST', '/dashboard/app.js');
	expectStatus(post, 405);
});

/* ---- the page in Chromium ---- */

let browser;

before(async () => {
	assert.ok(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install ` +
	    'chromium; make test installs it)');
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		/*
		 * Chromium refuses to start as root with its sandbox on
		 * ("Running as root without --no-sandbox is not supported"):
		 * its setuid/namespace sandbox is meant to drop a normal
		 * user's rights.  make test runs as root (CI does), so the
		 * sandbox is turned off then; the browser only ever loads
		 * the service under test on 127.0.0.1.
		 */
		args: ['--lang=zh-CN', ...(process.getuid &&
		    process.getuid() === 0 ? ['--no-sandbox'] : [])],
		timeout: 60000,
	});
});

after(async () => {
	if (browser)
		await browser.close();
});

/*
 * A page that records every request (all must go to BASE), page errors,
 * console errors and CSP violations.
 */
async function openPage(viewport, opts = {})
{
	const context = await browser.newContext({ viewport,
	    deviceScaleFactor: 1, locale: 'zh-CN',
	    timezoneId: 'Asia/Shanghai', ...opts });
	/* CSP violations (an inline style or script the page must not use). */
	await context.addInitScript(() => {
		window.xzCsp = [];
		document.addEventListener('securitypolicyviolation', (e) =>
		    window.xzCsp.push(`${e.violatedDirective} ${e.blockedURI}`));
	});
	const page = await context.newPage();
	const rec = { requests: [], errors: [] };
	const origin = new URL(BASE).origin;
	page.on('request', (r) => rec.requests.push(r.url()));
	page.on('pageerror', (e) => rec.errors.push(`pageerror: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' &&
		    !/status of 40[134]|Failed to load resource/.test(m.text()))
			rec.errors.push(`console: ${m.text()}`);
	});
	page.setDefaultTimeout(WAIT);
	rec.check = async () => {
		assert.deepEqual(await page.evaluate(() => window.xzCsp), [],
		    'Content-Security-Policy violations');
		const outside = rec.requests.filter((u) =>
		    !u.startsWith(`${origin}/`) && !u.startsWith('data:') &&
		    !u.startsWith('blob:'));
		assert.deepEqual(outside, [], 'requests outside the service');
		const hosts = new Set(rec.requests.filter((u) =>
		    u.startsWith('http')).map((u) => new URL(u).hostname));
		assert.deepEqual([...hosts], ['127.0.0.1']);
		assert.deepEqual(rec.errors, [], 'page errors');
	};
	return { context, page, rec };
}

async function fillSignIn(page, login)
{
	await page.locator('#signin').waitFor({ state: 'visible' });
	await page.fill('#login', login);
	await page.fill('#password', DEMO_PW);
	await page.click('#signin-submit');
}

/* Every chart has an ECharts instance whose series hold a non-zero value. */
async function waitCharts(page, view)
{
	await page.waitForFunction(([ids, v]) => {
		const board = document.getElementById('board');
		if (board.hidden || board.dataset.view !== v ||
		    board.getAttribute('aria-busy') !== 'false' ||
		    !window.echarts)
			return false;
		return ids.every((id) => {
			const c = window.echarts.getInstanceByDom(
			    document.getElementById(id));
			const o = c && c.getOption();
			return o && o.series && o.series.length > 0;
		});
	}, [CHARTS, view]);
	return page.evaluate((ids) => Object.fromEntries(ids.map((id) => {
		const c = window.echarts.getInstanceByDom(
		    document.getElementById(id));
		const o = c.getOption();
		return [id, {
			series: o.series.map((s) => ({ type: s.type,
			    data: s.data.map((d) => (d !== null &&
			    typeof d === 'object' ? d.value : d)) })),
			categories: o.xAxis ? o.xAxis[0].data : null,
			canvas: !!document.querySelector(`#${id} canvas`),
			width: document.getElementById(id).clientWidth,
		}];
	})), CHARTS);
}

function assertDrawn(charts)
{
	for (const [id, c] of Object.entries(charts)) {
		assert.ok(c.canvas, `${id} has a canvas`);
		assert.ok(c.width > 200, `${id} is ${c.width}px wide`);
		assert.ok(c.series.some((s) => s.data.some((v) =>
		    typeof v === 'number' && v > 0)),
		    `${id} has data: ${JSON.stringify(c.series)}`);
	}
}

async function cardValue(page, label)
{
	return page.evaluate((l) => {
		for (const c of document.querySelectorAll('#cards .card')) {
			if (c.querySelector('.label').textContent === l)
				return c.querySelector('.value').textContent;
		}
		return null;
	}, label);
}

async function screenshot(t, page, name)
{
	const files = [];
	for (const dir of ARTIFACTS) {
		mkdirSync(dir, { recursive: true });
		files.push(path.join(dir, name));
	}
	await page.screenshot({ path: files[0], fullPage: true });
	for (const f of files.slice(1))
		copyFileSync(files[0], f);
	for (const f of files)
		t.diagnostic(`screenshot: ${f}`);
}

test('dashboard-e2e: a county user signs in, sees every chart with data ' +
    'in 万元, drills into a township and signs out (1366x768)',
    async (t) => {
	const { context, page, rec } = await openPage({ width: 1366,
	    height: 768 });
	try {
		await page.goto(`${BASE}/dashboard/`);
		assert.equal(await page.title(), '乡治 · 县域治理驾驶舱');
		await fillSignIn(page, COUNTY_LOGIN);
		const charts = await waitCharts(page, 'county');
		assertDrawn(charts);
		const s = countySummary;
		const names = s.townships.map((x) => x.name);
		for (const id of ['chart-funds', 'chart-staff', 'chart-review'])
			assert.deepEqual(charts[id].categories, names, id);
		assert.deepEqual(charts['chart-staff'].series[0].data,
		    s.townships.map((x) => x.personnel.on_duty_today));
		assert.deepEqual(charts['chart-staff'].series[1].data,
		    s.townships.map((x) => x.personnel.deployed_today));
		assert.deepEqual(charts['chart-review'].series[0].data,
		    s.townships.map((x) => x.funds.awaiting_review));
		assert.equal(charts['chart-coops'].series[0].type, 'pie');
		assert.deepEqual(charts['chart-coops'].series[0].data,
		    ['labor', 'machinery', 'farmland', 'housing'].map((k) =>
		    s.totals.coops.by_kind[k]));

		/* Money in 万元, as the summary says, to the 0.01 万元. */
		for (const [label, key] of [['下达资金', 'allocated_fen'],
		    ['已安排资金', 'committed_fen'],
		    ['已拨付资金', 'disbursed_fen']]) {
			const v = await cardValue(page, label);
			assert.match(v, /^\d{1,3}(,\d{3})*\.\d{2} 万元$/, label);
			assert.equal(v, wan(s.totals.funds[key]), label);
		}
		assert.match(await page.textContent('#scope-name'),
		    new RegExp(s.county.name));
		assert.equal(await page.inputValue('#from'), s.from);
		assert.equal(await page.inputValue('#to'), s.to);
		await page.waitForTimeout(600);	/* the charts' animation */
		await screenshot(t, page, 'dashboard.png');

		/* Drill down: click the tallest bar of the funds chart. */
		const util = charts['chart-funds'].series[0].data;
		const i = util.indexOf(Math.max(...util));
		const target = s.townships[i];
		const pt = await page.evaluate(([idx, v]) => {
			const el = document.getElementById('chart-funds');
			const c = window.echarts.getInstanceByDom(el);
			const [x, y] = c.convertToPixel({ seriesIndex: 0 },
			    [idx, v / 2]);
			const r = el.getBoundingClientRect();
			return { x: r.left + x, y: r.top + y };
		}, [i, util[i]]);
		/* Its tooltip, in 万元 (made without inline styles). */
		await page.mouse.move(pt.x, pt.y);
		const tipText = page.locator('#chart-funds .xz-tip');
		await tipText.waitFor({ state: 'visible' });
		const tipShown = await tipText.textContent();
		assert.match(tipShown, new RegExp(target.name));
		assert.ok(tipShown.includes(wan(target.funds.allocated_fen)),
		    tipShown);
		await page.mouse.click(pt.x, pt.y);
		await page.waitForURL(new RegExp(
		    `[?&]township=${target.code}`));
		const one = await waitCharts(page, 'township');
		assertDrawn(one);
		assert.match(await page.textContent('#scope-name'),
		    new RegExp(target.name));
		const res = await api('GET', '/api/v1/dashboard/summary?' +
		    `township=${target.code}`, { token: countyToken });
		expectStatus(res, 200);
		const tf = res.json.townships.find((x) =>
		    x.code === target.code);
		assert.ok(tf, 'the drill-down summary has the township');
		assert.equal(await cardValue(page, '下达资金'),
		    wan(tf.funds.allocated_fen));
		assert.equal(await cardValue(page, '在册人员'),
		    `${tf.personnel.headcount.toLocaleString('en-US')} 人`);
		assert.equal(await page.inputValue('#township'), target.code);

		/* Another township from the list, then back to the county. */
		const other = s.townships.find((x) => x.code !== target.code);
		await page.selectOption('#township', other.code);
		await page.waitForURL(new RegExp(
		    `[?&]township=${other.code}`));
		await waitCharts(page, 'township');
		assert.match(await page.textContent('#scope-name'),
		    new RegExp(other.name));
		await page.click('#back');
		await waitCharts(page, 'county');
		assert.doesNotMatch(page.url(), /township=/);

		/* A date range: the URL, the request and the period follow. */
		const y = s.to.slice(0, 4);
		await page.fill('#from', `${y}-03-01`);
		await page.fill('#to', `${y}-06-30`);
		const asked = page.waitForRequest((r) => r.url().includes(
		    `/api/v1/dashboard/summary?from=${y}-03-01&to=${y}-06-30`));
		await page.click('#filters button[type=submit]');
		await asked;
		await page.waitForURL(new RegExp(`from=${y}-03-01&to=${y}-06-30`));
		await waitCharts(page, 'county');
		assert.equal(await page.textContent('#scope-period'),
		    `统计期间:${y}-03-01 至 ${y}-06-30`);
		await page.fill('#from', `${y}-07-01`);
		await page.click('#filters button[type=submit]');
		assert.match(await page.textContent('#status'),
		    /开始日期不能晚于结束日期/);

		/* Sign out: the form is back and the token is gone. */
		await page.click('#signout');
		await page.locator('#signin').waitFor({ state: 'visible' });
		assert.equal(await page.isHidden('#board'), true);
		assert.equal(await page.inputValue('#password'), '');
		assert.equal(await page.evaluate(() =>
		    sessionStorage.length), 0);
		await page.reload();
		await page.locator('#signin').waitFor({ state: 'visible' });
		assert.equal(await page.isHidden('#board'), true);
		await rec.check();
	} finally {
		await context.close();
	}
});

test('dashboard-e2e: a township user lands on their own township',
    async () => {
	const { context, page, rec } = await openPage({ width: 1366,
	    height: 768 });
	try {
		await page.goto(`${BASE}/dashboard/`);
		await fillSignIn(page, TOWNSHIP_LOGIN);
		const charts = await waitCharts(page, 'township');
		assert.equal(charts['chart-coops'].series[0].type, 'pie');
		const own = countySummary.townships.find((x) =>
		    x.code === '330599100');
		assert.match(await page.textContent('#scope-name'),
		    new RegExp(own.name));
		assert.equal(await page.isHidden('#township-label'), true);
		assert.equal(await page.isHidden('#back'), true);
		await rec.check();
	} finally {
		await context.close();
	}
});

test('dashboard-e2e: a wrong password and an expired session show the ' +
    'sign-in form with a message', async () => {
	const { context, page, rec } = await openPage({ width: 1366,
	    height: 768 });
	try {
		await page.goto(`${BASE}/dashboard/`);
		await page.locator('#signin').waitFor({ state: 'visible' });
		await page.fill('#login', 'nobody.330599');
		await page.fill('#password', 'wrong-password-123');
		await page.click('#signin-submit');
		await page.waitForFunction(() => document.getElementById(
		    'signin-error').textContent.length > 0);
		assert.match(await page.textContent('#signin-error'),
		    /账号或密码不正确/);
		/* A token the service no longer accepts, no refresh token. */
		await page.evaluate(() => sessionStorage.setItem(
		    'xiangzhi.dashboard.session',
		    JSON.stringify({ access: 'expired', refresh: null })));
		await page.reload();
		await page.waitForFunction(() => /登录已过期/.test(
		    document.getElementById('signin-error').textContent));
		assert.equal(await page.evaluate(() =>
		    sessionStorage.length), 0);
		await rec.check();
	} finally {
		await context.close();
	}
});

test('dashboard-e2e: on a phone (375x812) the charts are stacked and the ' +
    'page does not scroll sideways', async (t) => {
	const { context, page, rec } = await openPage({ width: 375,
	    height: 812 }, { isMobile: true, hasTouch: true });
	try {
		await page.goto(`${BASE}/dashboard/`);
		await fillSignIn(page, COUNTY_LOGIN);
		const charts = await waitCharts(page, 'county');
		for (const c of Object.values(charts))
			assert.ok(c.series.length > 0);
		const boxes = await page.evaluate((ids) => ids.map((id) => {
			const r = document.getElementById(id)
			    .getBoundingClientRect();
			return { x: r.left, y: r.top, w: r.width, h: r.height };
		}), CHARTS);
		for (let i = 1; i < boxes.length; i++) {
			assert.ok(boxes[i].y >= boxes[i - 1].y + boxes[i - 1].h,
			    `chart ${i} is below chart ${i - 1}`);
			assert.ok(Math.abs(boxes[i].x - boxes[0].x) < 2);
		}
		for (const b of boxes)
			assert.ok(b.w > 250 && b.x + b.w <= 375, JSON.stringify(b));
		assert.ok(await page.evaluate(() =>
		    document.documentElement.scrollWidth <= 375),
		    'no horizontal scrolling');
		await page.waitForTimeout(600);
		await screenshot(t, page, 'dashboard-phone.png');
		await rec.check();
	} finally {
		await context.close();
	}
});
