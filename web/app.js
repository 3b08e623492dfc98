/*
 * The county dashboard page (issue 7).  Signs in with the password grant
 * of POST /api/v1/auth/token, keeps the tokens in sessionStorage (this tab
 * only; gone when it closes), refreshes the access token once on a 401 and
 * asks to sign in again when that fails.  Draws GET
 * /api/v1/dashboard/summary with ECharts (served by the service as
 * echarts.min.js), revalidating with If-None-Match.
 *
 * County users see every township and can drill into one (?township=CODE);
 * township users land on their own township.  Money is integer fen in the
 * API and shown in 万元 (fen / 1,000,000) with two decimals.
 */
(function () {
	'use strict';

	var API = '/api/v1';
	var STORE = 'xiangzhi.dashboard.session';
	var KINDS = [
		['labor', '农力合作社'],
		['machinery', '农机合作社'],
		['farmland', '农地合作社'],
		['housing', '农房合作社']
	];
	var COLORS = ['#1f6f4a', '#e0a100', '#3b7dd8', '#c4553b', '#7a5bbf'];
	var FONT = 'system-ui, "PingFang SC", "Microsoft YaHei", ' +
	    '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif';

	var $ = function (id) { return document.getElementById(id); };
	var session = null;	/* {access, refresh} */
	var me = null;		/* GET /auth/me */
	var townships = [];	/* [{code, name}] for the selector */
	var etags = {};		/* url -> {etag, data} */
	var charts = {};
	var current = null;	/* the summary on screen */
	var loadSeq = 0;

	/* ---- formatting ---- */

	function group(digits)
	{
		return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
	}

	/* Integer fen as 万元 with two decimals: 123456789 -> "123.46". */
	function wanNumber(fen)
	{
		var h = Math.round(Number(fen) / 10000);	/* 0.01 万元 */
		var neg = h < 0;
		h = Math.abs(h);
		return (neg ? '-' : '') + group(String(Math.floor(h / 100))) +
		    '.' + String(h % 100).padStart(2, '0');
	}

	function wan(fen)
	{
		return fen === null || fen === undefined ? '—' :
		    wanNumber(fen) + ' 万元';
	}

	function count(n)
	{
		return n === null || n === undefined ? '—' :
		    group(String(Math.round(n)));
	}

	function pct(p)
	{
		return p === null || p === undefined ? '—' :
		    (Math.round(p * 10) / 10).toFixed(1) + '%';
	}

	function mu(x100)
	{
		if (x100 === null || x100 === undefined)
			return '—';
		return group(String(Math.floor(x100 / 100))) + '.' +
		    String(x100 % 100).padStart(2, '0') + ' 亩';
	}

	function esc(s)
	{
		return String(s).replace(/[&<>"']/g, function (c) {
			return '&#' + c.charCodeAt(0) + ';';
		});
	}

	function get(o, path)
	{
		var parts = path.split('.');
		for (var i = 0; i < parts.length && o !== null &&
		    o !== undefined; i++)
			o = o[parts[i]];
		return o === undefined ? null : o;
	}

	/* ---- session ---- */

	function loadSession()
	{
		try {
			session = JSON.parse(sessionStorage.getItem(STORE));
		} catch (e) {
			session = null;
		}
		if (!session || typeof session.access !== 'string')
			session = null;
	}

	function saveSession(tok)
	{
		session = { access: tok.access_token,
		    refresh: tok.refresh_token || null };
		sessionStorage.setItem(STORE, JSON.stringify(session));
	}

	function forget()
	{
		session = null;
		me = null;
		etags = {};
		townships = [];
		current = null;
		sessionStorage.removeItem(STORE);
	}

	function tokenRequest(params)
	{
		return fetch(API + '/auth/token', {
			method: 'POST',
			headers: { 'Content-Type':
			    'application/x-www-form-urlencoded' },
			body: new URLSearchParams(params).toString(),
			cache: 'no-store',
			credentials: 'omit'
		});
	}

	/* One refresh at a time; resolves true when a new token is in. */
	var refreshing = null;
	function refresh()
	{
		if (!session || !session.refresh)
			return Promise.resolve(false);
		if (refreshing)
			return refreshing;
		refreshing = tokenRequest({ grant_type: 'refresh_token',
		    refresh_token: session.refresh }).then(function (res) {
			if (!res.ok)
				return false;
			return res.json().then(function (tok) {
				saveSession(tok);
				return true;
			});
		}).catch(function () {
			return false;
		}).finally(function () {
			refreshing = null;
		});
		return refreshing;
	}

	function SessionOver() { this.name = 'SessionOver'; }

	/* GET with the token; a 401 refreshes once, then the session is over. */
	function api(path, headers, retried)
	{
		if (!session)
			return Promise.reject(new SessionOver());
		var h = { 'Authorization': 'Bearer ' + session.access };
		Object.keys(headers || {}).forEach(function (k) {
			h[k] = headers[k];
		});
		return fetch(API + path, { headers: h, cache: 'no-store',
		    credentials: 'omit' }).then(function (res) {
			if (res.status !== 401)
				return res;
			if (retried)
				throw new SessionOver();
			return refresh().then(function (ok) {
				if (!ok)
					throw new SessionOver();
				return api(path, headers, true);
			});
		});
	}

	function problemText(res)
	{
		return res.json().then(function (p) {
			return p.detail || p.error_description || p.title ||
			    ('HTTP ' + res.status);
		}, function () {
			return 'HTTP ' + res.status;
		});
	}

	/* ---- views ---- */

	function show(which)
	{
		$('signin').hidden = which !== 'signin';
		$('board').hidden = which !== 'board';
		$('who').hidden = which !== 'board';
	}

	function status(text, isError)
	{
		$('status').textContent = text || '';
		$('status').classList.toggle('error', !!isError);
	}

	function showSignin(message)
	{
		disposeCharts();
		show('signin');
		$('signin-error').textContent = message || '';
		$('password').value = '';
		$('signin-submit').disabled = false;
		if (location.search)
			history.replaceState(null, '', location.pathname);
		$('login').focus();
	}

	function sessionOver(err)
	{
		if (err instanceof SessionOver) {
			forget();
			showSignin('登录已过期,请重新登录。');
			return true;
		}
		return false;
	}

	function onSignin(ev)
	{
		ev.preventDefault();
		var login = $('login').value.trim();
		var password = $('password').value;
		if (!login || !password) {
			$('signin-error').textContent = '请输入账号和密码。';
			return;
		}
		$('signin-submit').disabled = true;
		$('signin-error').textContent = '';
		tokenRequest({ grant_type: 'password', username: login,
		    password: password }).then(function (res) {
			if (res.ok)
				return res.json();
			return res.json().catch(function () {
				return {};
			}).then(function (p) {
				var msg = '登录失败(HTTP ' + res.status + ')。';
				if (res.status === 423)
					msg = '账号已被锁定,请稍后再试。';
				else if (res.status === 400 || res.status === 401)
					msg = '账号或密码不正确。';
				else if (res.status === 429 || res.status === 503)
					msg = '服务繁忙,请稍后再试。';
				throw new Error(msg);
			});
		}).then(function (tok) {
			if (tok.password_change_required) {
				throw new Error('该账号须先修改密码(POST ' +
				    '/api/v1/auth/password),然后再登录。');
			}
			saveSession(tok);
			$('password').value = '';
			return start();
		}).catch(function (e) {
			$('signin-error').textContent = e.message ||
			    '登录失败,请检查网络。';
		}).finally(function () {
			$('signin-submit').disabled = false;
		});
	}

	function onSignout()
	{
		var s = session;
		forget();
		showSignin('您已退出登录。');
		/* Ends the session on the server too (the refresh token). */
		if (s) {
			fetch(API + '/auth/logout', { method: 'POST',
			    headers: { 'Authorization': 'Bearer ' + s.access },
			    credentials: 'omit' }).catch(function () {});
		}
	}

	/* After sign-in or a reload: who is this, then the board. */
	function start()
	{
		return api('/auth/me').then(function (res) {
			if (!res.ok)
				return problemText(res).then(function (t) {
					throw new Error(t);
				});
			return res.json();
		}).then(function (m) {
			me = m;
			if (m.role !== 'county' && m.role !== 'township') {
				forget();
				showSignin('驾驶舱供县级和乡镇(街道)用户使用,' +
				    '该账号无权查看。');
				return;
			}
			$('who-name').textContent = (m.user &&
			    m.user.display_name) || (m.user && m.user.login) ||
			    m.sub;
			var county = m.role === 'county';
			$('township-label').hidden = !county;
			$('drill-hint').hidden = !county;
			show('board');
			return load();
		}).catch(function (e) {
			if (sessionOver(e))
				return;
			forget();
			showSignin('无法读取账号信息:' + e.message);
		});
	}

	/* The view the URL asks for: ?from=&to=&township=. */
	function wanted()
	{
		var q = new URLSearchParams(location.search);
		var w = { from: q.get('from') || '', to: q.get('to') || '',
		    township: q.get('township') || '' };
		if (me && me.role === 'township')
			w.township = me.township;
		if (!/^\d{9}$/.test(w.township))
			w.township = '';
		if (!/^\d{4}-\d{2}-\d{2}$/.test(w.from))
			w.from = '';
		if (!/^\d{4}-\d{2}-\d{2}$/.test(w.to))
			w.to = '';
		return w;
	}

	function navigate(w)
	{
		var q = new URLSearchParams();
		if (w.from)
			q.set('from', w.from);
		if (w.to)
			q.set('to', w.to);
		if (w.township && me && me.role === 'county')
			q.set('township', w.township);
		var s = q.toString();
		history.pushState(null, '', location.pathname + (s ? '?' + s :
		    ''));
		return load();
	}

	function summaryUrl(w)
	{
		var q = new URLSearchParams();
		if (w.from)
			q.set('from', w.from);
		if (w.to)
			q.set('to', w.to);
		if (w.township)
			q.set('township', w.township);
		var s = q.toString();
		return '/dashboard/summary' + (s ? '?' + s : '');
	}

	/* The summary, revalidated with If-None-Match when seen before. */
	function fetchSummary(url)
	{
		var seen = etags[url];
		return api(url, seen ? { 'If-None-Match': seen.etag } : {})
		    .then(function (res) {
			if (res.status === 304 && seen)
				return seen.data;
			if (!res.ok)
				return problemText(res).then(function (t) {
					var e = new Error(t);
					e.status = res.status;
					throw e;
				});
			return res.json().then(function (data) {
				var etag = res.headers.get('ETag');
				if (etag)
					etags[url] = { etag: etag, data: data };
				return data;
			});
		});
	}

	/* County users: the township names for the selector, once. */
	function fetchTownships()
	{
		if (!me || me.role !== 'county' || townships.length > 0)
			return Promise.resolve();
		return api('/townships?limit=200').then(function (res) {
			if (!res.ok)
				return;
			return res.json().then(function (page) {
				townships = page.items.map(function (t) {
					return { code: t.code, name: t.name };
				});
				fillSelector();
			});
		}).catch(function (e) {
			if (e instanceof SessionOver)
				throw e;
		});
	}

	function fillSelector()
	{
		var sel = $('township');
		while (sel.options.length > 1)
			sel.remove(1);
		townships.forEach(function (t) {
			sel.add(new Option(t.name + '(' + t.code + ')', t.code));
		});
	}

	function load()
	{
		var w = wanted();
		var seq = ++loadSeq;
		$('township').value = w.township;
		$('back').hidden = !(w.township && me.role === 'county');
		status('正在加载…');
		$('board').setAttribute('aria-busy', 'true');
		return fetchTownships().then(function () {
			return fetchSummary(summaryUrl(w));
		}).then(function (data) {
			if (seq !== loadSeq)
				return;
			current = data;
			$('from').value = data.from || w.from;
			$('to').value = data.to || w.to;
			$('township').value = w.township;
			render(data, w.township);
			status('数据截至 ' + (data.today || data.to || '') +
			    '(金额单位:万元)');
			$('board').setAttribute('aria-busy', 'false');
			$('board').dataset.view = w.township ? 'township' :
			    'county';
		}).catch(function (e) {
			if (seq !== loadSeq || sessionOver(e))
				return;
			$('board').setAttribute('aria-busy', 'false');
			status(e.status === 404 && w.township ?
			    '没有找到该乡镇的数据。' :
			    '无法加载数据:' + e.message, true);
		});
	}

	/* ---- drawing ---- */

	function card(label, value, note)
	{
		var d = document.createElement('div');
		d.className = 'card';
		var l = document.createElement('div');
		l.className = 'label';
		l.textContent = label;
		var v = document.createElement('div');
		v.className = 'value';
		v.textContent = value;
		d.appendChild(l);
		d.appendChild(v);
		if (note) {
			var n = document.createElement('div');
			n.className = 'note';
			n.textContent = note;
			d.appendChild(n);
		}
		return d;
	}

	function coopsTotal(f)
	{
		var by = get(f, 'coops.by_kind') || {};
		return Object.keys(by).reduce(function (s, k) {
			return s + (by[k] || 0);
		}, 0);
	}

	function renderCards(f)
	{
		var box = $('cards');
		var oldest = get(f, 'funds.awaiting_review_oldest_days');
		box.replaceChildren(
		    card('下达资金', wan(get(f, 'funds.allocated_fen'))),
		    card('已安排资金', wan(get(f, 'funds.committed_fen'))),
		    card('已拨付资金', wan(get(f, 'funds.disbursed_fen'))),
		    card('资金使用率', pct(get(f, 'funds.utilisation_pct')),
			'已拨付 / 下达'),
		    card('待县级审查', count(get(f, 'funds.awaiting_review')) +
			' 项', oldest === null ? '' : '最久已等 ' + oldest + ' 天'),
		    card('逾期项目', count(get(f, 'funds.overdue_projects')) +
			' 项'),
		    card('在册人员', count(get(f, 'personnel.headcount')) + ' 人'),
		    card('今日在岗', count(get(f, 'personnel.on_duty_today')) +
			' 人'),
		    card('今日调派', count(get(f, 'personnel.deployed_today')) +
			' 人'),
		    card('调派均衡指数', get(f, 'personnel.balance_index') === null ?
			'—' : Number(get(f, 'personnel.balance_index')).toFixed(2),
			'调派天数的变异系数,越小越均衡'),
		    card('合作社', count(coopsTotal(f)) + ' 家'),
		    card('社员', count(get(f, 'coops.members')) + ' 人'),
		    card('入社土地', mu(get(f, 'coops.pooled_land_mu_x100'))),
		    card('农机利用率', pct(get(f, 'coops.machine_utilisation_pct'))));
	}

	function chart(id)
	{
		var el = $(id);
		var c = echarts.getInstanceByDom(el);
		if (!c) {
			c = echarts.init(el, null, { renderer: 'canvas' });
			charts[id] = c;
			c.on('click', function (p) { onChartClick(id, p); });
		}
		return c;
	}

	function disposeCharts()
	{
		Object.keys(charts).forEach(function (id) {
			charts[id].dispose();
		});
		charts = {};
	}

	function base()
	{
		return {
			color: COLORS,
			textStyle: { fontFamily: FONT },
			animationDuration: 400,
			grid: { left: 8, right: 16, top: 36, bottom: 8,
			    containLabel: true },
			tooltip: { trigger: 'axis', confine: true,
			    className: 'xz-tip',
			    axisPointer: { type: 'shadow' } },
			legend: { top: 0 }
		};
	}

	function categoryAxis(names)
	{
		return { type: 'category', data: names,
		    axisLabel: { interval: 0, rotate: names.length > 6 ? 40 : 0,
		    fontSize: 11 } };
	}

	/* Tooltip HTML without inline styles (the CSP allows none). */
	function tip(title, rows)
	{
		return '<div class="tip-title">' + esc(title) + '</div>' +
		    rows.map(function (r) {
			return esc(r[0]) + ':' + esc(r[1]);
		}).join('<br>');
	}

	function render(data, township)
	{
		var list = data.townships || [];
		var one = township ? (list.filter(function (t) {
			return t.code === township;
		})[0] || list[0]) : null;
		var f = one || data.totals;
		var countyName = get(data, 'county.name') || '';

		$('scope-name').textContent = one ?
		    (one.name + (me.role === 'county' ? '(' + countyName + ')' :
		    '')) : countyName + '(全县)';
		$('scope-period').textContent = '统计期间:' + data.from +
		    ' 至 ' + data.to;
		renderCards(f || {});
		if (one)
			renderTownship(one);
		else
			renderCounty(list, data.totals);
	}

	function renderCounty(list, totals)
	{
		var names = list.map(function (t) { return t.name; });

		$('chart-funds-title').textContent = '各乡镇资金使用率';
		var o = base();
		o.legend = { show: false };
		o.tooltip.formatter = function (ps) {
			var t = list[ps[0].dataIndex];
			return tip(t.name, [
			    ['资金使用率', pct(get(t, 'funds.utilisation_pct'))],
			    ['下达', wan(get(t, 'funds.allocated_fen'))],
			    ['已拨付', wan(get(t, 'funds.disbursed_fen'))]]);
		};
		o.xAxis = categoryAxis(names);
		o.yAxis = { type: 'value', name: '%', min: 0 };
		o.series = [{ name: '资金使用率', type: 'bar',
		    data: list.map(function (t) {
			var v = get(t, 'funds.utilisation_pct');
			return v === null ? 0 : Math.round(v * 10) / 10;
		    }),
		    label: { show: list.length <= 15 &&
			$('chart-funds').clientWidth > 600, position: 'top',
			fontSize: 10, formatter: '{c}%' } }];
		chart('chart-funds').setOption(o, true);

		$('chart-staff-title').textContent = '各乡镇今日在岗与调派人员';
		o = base();
		o.xAxis = categoryAxis(names);
		o.yAxis = { type: 'value', name: '人', minInterval: 1 };
		o.series = [
		    { name: '今日在岗', type: 'bar',
			data: list.map(function (t) {
			    return get(t, 'personnel.on_duty_today') || 0;
			}) },
		    { name: '今日调派', type: 'bar',
			data: list.map(function (t) {
			    return get(t, 'personnel.deployed_today') || 0;
			}) }];
		chart('chart-staff').setOption(o, true);

		renderCoops(get(totals, 'coops.by_kind'), '合作社类型分布(全县)');

		$('chart-review-title').textContent = '各乡镇待县级审查项目';
		o = base();
		o.tooltip.formatter = function (ps) {
			var t = list[ps[0].dataIndex];
			var d = get(t, 'funds.awaiting_review_oldest_days');
			return tip(t.name, [
			    ['待审查', count(get(t, 'funds.awaiting_review')) +
				' 项'],
			    ['最久等待', d === null ? '—' : d + ' 天'],
			    ['逾期项目', count(get(t, 'funds.overdue_projects')) +
				' 项']]);
		};
		o.xAxis = categoryAxis(names);
		o.yAxis = [{ type: 'value', name: '项', minInterval: 1 },
		    { type: 'value', name: '天', minInterval: 1,
			splitLine: { show: false } }];
		o.series = [
		    { name: '待审查项目', type: 'bar',
			data: list.map(function (t) {
			    return get(t, 'funds.awaiting_review') || 0;
			}) },
		    { name: '最久等待(天)', type: 'line', yAxisIndex: 1,
			data: list.map(function (t) {
			    return get(t, 'funds.awaiting_review_oldest_days');
			}) }];
		chart('chart-review').setOption(o, true);
	}

	function renderCoops(byKind, title)
	{
		$('chart-coops-title').textContent = title;
		var o = base();
		o.tooltip = { trigger: 'item', confine: true,
		    className: 'xz-tip',
		    formatter: function (p) {
			return tip(p.name, [['数量', p.value + ' 家'],
			    ['占比', p.percent + '%']]);
		    } };
		/* A phone: counts inside the ring, names in the legend. */
		var narrow = $('chart-coops').clientWidth < 480;
		o.legend = { bottom: 0 };
		o.series = [{ name: '合作社', type: 'pie',
		    radius: narrow ? ['30%', '62%'] : ['35%', '65%'],
		    center: ['50%', '45%'],
		    label: narrow ? { position: 'inside', formatter: '{c}',
			color: '#fff' } : { formatter: '{b}\n{c} 家' },
		    data: KINDS.map(function (k) {
			return { name: k[1], value: (byKind || {})[k[0]] || 0 };
		    }) }];
		chart('chart-coops').setOption(o, true);
	}

	function renderTownship(t)
	{
		$('chart-funds-title').textContent = '资金情况(万元)';
		var o = base();
		o.legend = { show: false };
		o.tooltip.formatter = function (ps) {
			return tip(ps[0].name, [['金额', wan(ps[0].data * 1e6)]]);
		};
		o.xAxis = categoryAxis(['下达', '已安排', '已拨付']);
		o.yAxis = { type: 'value', name: '万元' };
		o.series = [{ name: '资金', type: 'bar', barMaxWidth: 56,
		    data: ['allocated_fen', 'committed_fen', 'disbursed_fen']
			.map(function (k) {
			    return Math.round((get(t, 'funds.' + k) || 0) /
				10000) / 100;
			}),
		    label: { show: true, position: 'top',
			formatter: function (p) {
			    return wanNumber(p.value * 1e6);
			} } }];
		chart('chart-funds').setOption(o, true);

		$('chart-staff-title').textContent = '人员情况(今日)';
		o = base();
		o.legend = { show: false };
		o.xAxis = categoryAxis(['在册', '在岗', '调派']);
		o.yAxis = { type: 'value', name: '人', minInterval: 1 };
		o.series = [{ name: '人数', type: 'bar', barMaxWidth: 56,
		    data: ['headcount', 'on_duty_today', 'deployed_today']
			.map(function (k) {
			    return get(t, 'personnel.' + k) || 0;
			}),
		    label: { show: true, position: 'top' } }];
		chart('chart-staff').setOption(o, true);

		renderCoops(get(t, 'coops.by_kind'), '合作社类型分布');

		var d = get(t, 'funds.awaiting_review_oldest_days');
		$('chart-review-title').textContent = '项目审查' +
		    (d === null ? '' : '(最久已等 ' + d + ' 天)');
		o = base();
		o.legend = { show: false };
		o.xAxis = categoryAxis(['待县级审查', '逾期项目']);
		o.yAxis = { type: 'value', name: '项', minInterval: 1 };
		o.series = [{ name: '项目', type: 'bar', barMaxWidth: 56,
		    data: [get(t, 'funds.awaiting_review') || 0,
			get(t, 'funds.overdue_projects') || 0],
		    label: { show: true, position: 'top' } }];
		chart('chart-review').setOption(o, true);
	}

	function onChartClick(id, p)
	{
		if (!current || !me || me.role !== 'county' ||
		    $('board').dataset.view !== 'county' ||
		    id === 'chart-coops')
			return;
		var t = (current.townships || [])[p.dataIndex];
		if (!t)
			return;
		var w = wanted();
		w.township = t.code;
		navigate(w);
	}

	function onFilters(ev)
	{
		ev.preventDefault();
		var w = { from: $('from').value, to: $('to').value,
		    township: $('township').value };
		if (w.from && w.to && w.from > w.to) {
			status('开始日期不能晚于结束日期。', true);
			return;
		}
		navigate(w);
	}

	function init()
	{
		$('signin-form').addEventListener('submit', onSignin);
		$('signout').addEventListener('click', onSignout);
		$('filters').addEventListener('submit', onFilters);
		$('township').addEventListener('change', function () {
			onFilters(new Event('submit'));
		});
		$('back').addEventListener('click', function () {
			var w = wanted();
			w.township = '';
			navigate(w);
		});
		window.addEventListener('popstate', function () {
			if (session && me)
				load();
		});
		var pending = 0;
		window.addEventListener('resize', function () {
			clearTimeout(pending);
			pending = setTimeout(function () {
				Object.keys(charts).forEach(function (id) {
					charts[id].resize();
				});
			}, 100);
		});
		loadSession();
		if (session)
			start();
		else
			showSignin('');
	}

	init();
})();
