/*
 * The OpenAPI document is the contract: the service serves it, and its
 * operations are exactly the permission table (app/http/routes.def as
 * printed by `xiangzhi-admin routes`: METHOD path roles scope), with the
 * same roles and partner scopes.  Also the service endpoints.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT, api, expectStatus } from './lib.mjs';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch',
    'trace'];

/* `xiangzhi-admin routes`: "METHOD path roles scope", '-' for none. */
function tableRoutes()
{
	const out = execFileSync(path.join(ROOT, 'build', 'xiangzhi-admin'),
	    ['routes'], { encoding: 'utf8' });
	const routes = new Map();
	for (const line of out.split('\n').filter((l) => l.trim())) {
		const cols = line.trim().split(/\s+/);
		assert.equal(cols.length, 4, `routes line: ${line}`);
		const [method, p, roles, scope] = cols;
		const key = `${method} ${p}`;
		assert.ok(!routes.has(key), `duplicate route ${key}`);
		routes.set(key, {
			roles: roles === '-' ? [] : roles.split(','),
			scopes: scope === '-' ? [] : scope.split(' '),
		});
	}
	return routes;
}

function docOperations(doc)
{
	const ops = new Map();
	for (const [p, item] of Object.entries(doc.paths)) {
		for (const m of METHODS) {
			if (item[m])
				ops.set(`${m.toUpperCase()} ${p}`, { op: item[m],
				    item });
		}
	}
	return ops;
}

const table = tableRoutes();
const repoDoc = JSON.parse(readFileSync(path.join(ROOT, 'app', 'http',
    'openapi.json'), 'utf8'));

let served;
async function servedDoc()
{
	if (served === undefined) {
		const res = await api('GET', '/api/v1/openapi.json');
		expectStatus(res, 200);
		served = res;
	}
	return served;
}

test('openapi: GET /api/v1/openapi.json serves an OpenAPI 3.1 document',
    async () => {
	const res = await servedDoc();
	assert.match(res.headers.get('content-type') || '',
	    /^application\/(json|vnd\.oai\.openapi\+json)\b/);
	const doc = JSON.parse(res.text);
	assert.match(doc.openapi, /^3\.1\.\d+$/);
	assert.equal(typeof doc.info?.title, 'string');
	assert.equal(typeof doc.info?.version, 'string');
	assert.equal(typeof doc.paths, 'object');
});

test('openapi: the served document is the one in the repository',
    async () => {
	const res = await servedDoc();
	assert.deepEqual(JSON.parse(res.text), repoDoc,
	    'app/http/openapi.json changed since the module was built');
});

test('openapi: the operations equal the permission table (xiangzhi-admin ' +
    'routes)', async () => {
	const doc = JSON.parse((await servedDoc()).text);
	const ops = docOperations(doc);
	const missingInDoc = [...table.keys()].filter((k) => !ops.has(k));
	const missingInTable = [...ops.keys()].filter((k) => !table.has(k));
	assert.deepEqual({ missingInDoc, missingInTable },
	    { missingInDoc: [], missingInTable: [] },
	    `routes not documented: ${missingInDoc.join('; ') || 'none'}; ` +
	    `documented but not routed: ${missingInTable.join('; ') || 'none'}`);
	assert.ok(table.size >= 13, `${table.size} routes`);
});

/* One test per route: roles, scopes, parameters, security, responses. */
for (const [key, route] of table) {
	test(`openapi: ${key} documents x-roles [${route.roles}] and x-scopes ` +
	    `[${route.scopes}]`, async () => {
		const doc = JSON.parse((await servedDoc()).text);
		const entry = docOperations(doc).get(key);
		assert.ok(entry, `${key} is not in the document`);
		const { op, item } = entry;
		assert.deepEqual([...(op['x-roles'] ?? [])].sort(),
		    [...route.roles].sort(), `${key} x-roles`);
		assert.deepEqual([...(op['x-scopes'] ?? [])].sort(),
		    [...route.scopes].sort(), `${key} x-scopes`);
		assert.equal(typeof op.operationId, 'string');

		/* Every {param} of the path is a documented path parameter. */
		const params = [...(item.parameters ?? []),
		    ...(op.parameters ?? [])].map((prm) => (prm.$ref ?
		    doc.components.parameters[prm.$ref.split('/').pop()] : prm));
		const p = key.split(' ')[1];
		for (const [, name] of p.matchAll(/\{(\w+)\}/g)) {
			assert.ok(params.some((prm) => prm.in === 'path' &&
			    prm.name === name && prm.required === true),
			    `${key}: path parameter ${name}`);
		}

		if (route.roles.length === 0) {
			assert.deepEqual(op.security, [],
			    `${key} is public: security []`);
		} else {
			assert.notDeepEqual(op.security, [],
			    `${key} needs a token`);
			for (const s of ['401', '403'])
				assert.ok(op.responses[s], `${key} documents ${s}`);
		}
	});
}

test('openapi: /healthz -> 200', async () => {
	const res = await api('GET', '/healthz');
	expectStatus(res, 200);
	assert.equal(res.json.status, 'ok');
});

test('openapi: /readyz -> 200 while the database is up', async () => {
	const res = await api('GET', '/readyz');
	expectStatus(res, 200);
	assert.equal(res.json.status, 'ready');
});

function counter(text, route, status)
{
	const re = new RegExp('^xiangzhi_http_requests_total\\{method="GET",' +
	    `route="${route.replace(/[/{}.]/g, '\\$&')}",status="${status}"\\} ` +
	    '(\\d+)$', 'm');
	const m = re.exec(text);
	return m ? Number(m[1]) : 0;
}

test('openapi: /metrics is Prometheus text with ' +
    'xiangzhi_http_requests_total, counted across workers', async () => {
	const before = await api('GET', '/metrics');
	expectStatus(before, 200);
	assert.match(before.headers.get('content-type') || '', /^text\/plain\b/);
	assert.match(before.text,
	    /^# TYPE xiangzhi_http_requests_total counter$/m);
	assert.match(before.text, /^xiangzhi_http_requests_total\{/m);
	for (let i = 0; i < 5; i++)
		expectStatus(await api('GET', '/healthz'), 200);
	const after = await api('GET', '/metrics');
	expectStatus(after, 200);
	assert.ok(counter(after.text, '/healthz', 200) >=
	    counter(before.text, '/healthz', 200) + 5,
	    'the /healthz counter grew by the five requests');
});
