/*
 * Demo personnel (issue 4), for the demo county only: in every township
 * its origin units, a skill vocabulary, 40-120 staff spread over the four
 * centers (minimum on duty: 2 each, directors set), a census-style
 * campaign in the first half of November of the current year (UTC+8)
 * that sends about half of every center out for 14 days, and a law-publicity
 * campaign on 4-6 December (宪法日) done by 7 teams covering every
 * village of the township in 3 days, like the source text's; and an
 * irrigation inspection running from two days before the day the demo is
 * loaded to twelve days after it, four staff who are in neither other
 * campaign (3 full-time equivalents), so that the dashboard's "deployed
 * today" is not zero on most days of the year.
 *
 * Deterministic: counts, names, skills and ids (md5 of a label, as
 * UUIDs) come from the township code; only the year (and the
 * inspection's dates) follow the clock, so that the balance and the "last
 * 90 days" of the team proposal mean something whenever the demo is
 * loaded.  Idempotent: nothing is done when the demo county already has
 * staff.  One statement, as the owner
 * (row security bypassed; the rules' triggers still run, so the demo
 * obeys them), audit rows tagged seed-demo.
 */

#include <stdio.h>

#include <libpq-fe.h>

#include "xiangzhi/seed.h"

static const char	seed_personnel_sql[] =
"do $seed$\n"
"declare\n"
"	t	record;\n"
"	n	integer;\n"
"	k	integer;\n"
"	y	integer := extract(year from now() at time zone "
"	    'Asia/Shanghai')::integer;\n"
"	ctr	uuid[];\n"
"	units	uuid[];\n"
"	census	uuid;\n"
"	law	uuid;\n"
"	patrol	uuid;\n"
"	d0	date := (now() at time zone 'Asia/Shanghai')::date;\n"
"	team	uuid;\n"
"	vills	text[];\n"
"	sur	text[] := array['王', '李', '张', '刘', '陈', '杨', '黄', '赵',"
"	    '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗',"
"	    '郑'];\n"
"	given	text[] := array['建国', '秀英', '伟', '芳', '海燕', '志强',"
"	    '丽娟', '晓东', '红梅', '国平', '文静', '卫东', '春燕', '立新',"
"	    '慧敏', '振华', '雪梅', '德明', '小军', '玉兰'];\n"
"	posts	text[] := array['科员', '办事员', '副主任', '统计员', '专干',"
"	    '网格员'];\n"
"	skills	text[] := array['law_publicity', 'statistics', 'engineering',"
"	    'finance', 'mediation', 'agriculture'];\n"
"	labels	text[] := array['普法宣传', '统计', '工程', '财务', '调解',"
"	    '农技'];\n"
"	kinds	text[] := array['party_mass_service',"
"	    'construction_development', 'social_affairs',"
"	    'law_based_governance'];\n"
"	h	bigint;\n"
"begin\n"
"	if exists (select 1 from staff where county_code = '"
	XZ_SEED_DEMO_COUNTY "') then\n"
"		return;\n"
"	end if;\n"
"	perform set_config('app.request_id', 'seed-demo', true);\n"
"	for t in select * from townships where county_code = '"
	XZ_SEED_DEMO_COUNTY "' order by code loop\n"
"		h := ('x' || left(md5('xz-seed:' || t.code), 8))::bit(32)"
"		    ::bigint;\n"
"		n := 40 + (h % 81)::integer;\n"
"		select array_agg(c.id order by array_position(kinds, c.kind))"
"		    into ctr from centers c where c.township_code = t.code;\n"
"		insert into origin_units (id, county_code, township_code, name,"
"		    kind)\n"
"		select md5('xz-seed-unit:' || t.code || u.o)::uuid,"
"		    t.county_code, t.code, u.name, u.kind\n"
"		from (values (1, '党政办公室', 'internal_office'),"
"		    (2, '经济发展办公室', 'internal_office'),"
"		    (3, '社会事务办公室', 'internal_office'),"
"		    (4, '综治中心', 'township_body'),"
"		    (5, '农业综合服务中心', 'public_institution'),"
"		    (6, '文化站', 'public_institution'),"
"		    (7, '司法所', 'county_dispatched'),"
"		    (8, '自然资源所', 'county_dispatched'),"
"		    (9, '市场监管所', 'county_dispatched'),"
"		    (10, '财政所', 'county_dispatched')) as u(o, name, kind);\n"
"		select array_agg(md5('xz-seed-unit:' || t.code || o)::uuid"
"		    order by o) into units from generate_series(1, 10) o;\n"
"		insert into skill_tags (county_code, township_code, code, label)"
"		select t.county_code, t.code, skills[g], labels[g]"
"		from generate_series(1, 6) g;\n"
"		insert into staff (id, county_code, township_code, person_id,"
"		    name, origin_unit_id, establishment, center_id, post,"
"		    skills)\n"
"		select md5('xz-seed-staff:' || t.code || s)::uuid,"
"		    t.county_code, t.code,"
"		    md5('xz-seed-person:' || t.code || s)::uuid,"
"		    sur[1 + (s * 7 + (h % 13)::integer) % 20] ||"
"		    given[1 + (s * 11 + (h % 17)::integer) % 20],"
"		    units[1 + s % 10],"
"		    (array['civil_servant', 'public_institution',"
"		    'contract'])[1 + (s * 5) % 7 % 3],"
"		    ctr[1 + s % 4], posts[1 + s % 6],"
"		    case when s % 5 = 0 then array[skills[1 + s % 6]]"
"		    else (select array_agg(distinct skills[1 + x % 6])"
"		    from unnest(array[s, s * 3 + 1]) x) end\n"
"		from generate_series(0, n - 1) s;\n"
"		insert into staff_phones (staff_id, county_code, township_code,"
"		    phone)\n"
"		select md5('xz-seed-staff:' || t.code || s)::uuid,"
"		    t.county_code, t.code,"
"		    '13' || (5 + s % 5)::text || lpad(((h + s * 7919) %"
"		    100000000)::text, 8, '0')\n"
"		from generate_series(0, n - 1) s;\n"
"		for k in 1 .. 4 loop\n"
"			update centers set on_duty_minimum = 2,"
"			    director_id = md5('xz-seed-staff:' || t.code ||"
"			    (k - 1))::uuid where id = ctr[k];\n"
"		end loop;\n"
"		select array_agg(code::text order by code) into vills"
"		    from villages where township_code = t.code;\n"
"		census := md5('xz-seed-census:' || t.code)::uuid;\n"
"		law := md5('xz-seed-law:' || t.code)::uuid;\n"
"		insert into campaigns (id, county_code, township_code, title,"
"		    kind, priority, starts_on, ends_on, lead_center_id,"
"		    headcount_needed, skills_needed, actual_started_on,"
"		    actual_ended_on)\n"
"		values (census, t.county_code, t.code,"
"		    t.name || '人口普查入户登记', 'census', 'high',"
"		    make_date(y, 11, 1), make_date(y, 11, 14), ctr[3], n / 2,"
"		    array['statistics'], make_date(y, 11, 1),"
"		    make_date(y, 11, 15)),\n"
"		    (law, t.county_code, t.code, t.name || '宪法宣传周普法进村',"
"		    'law_publicity', 'normal', make_date(y, 12, 4),"
"		    make_date(y, 12, 6), ctr[4], 21, array['law_publicity'],"
"		    null, null);\n"
"		insert into campaign_villages (campaign_id, county_code,"
"		    township_code, village_code)\n"
"		select c, t.county_code, t.code, v from unnest(vills) v,"
"		    unnest(array[census, law]) c;\n"
"		insert into deployments (id, campaign_id, staff_id, county_code,"
"		    township_code, period, share_percent, role)\n"
"		select md5('xz-seed-dep-census:' || t.code || s)::uuid, census,"
"		    md5('xz-seed-staff:' || t.code || s)::uuid, t.county_code,"
"		    t.code, daterange(make_date(y, 11, 1), make_date(y, 11, 14),"
"		    '[]'), case when s % 6 = 2 then 50 else 100 end,"
"		    case when s = 8 then 'lead' else 'member' end\n"
"		from generate_series(8, n - 1) s where (s / 4) % 2 = 0;\n"
"		for k in 1 .. 7 loop\n"
"			team := md5('xz-seed-team:' || t.code || k)::uuid;\n"
"			insert into campaign_teams (id, campaign_id, county_code,"
"			    township_code, name) values (team, law,"
"			    t.county_code, t.code, '普法' || k || '组');\n"
"			insert into team_visits (team_id, campaign_id,"
"			    county_code, township_code, village_code,"
"			    starts_on, ends_on)\n"
"			select team, law, t.county_code, t.code,"
"			    vills[j], make_date(y, 12, 4) + (((j - 1) / 7) % 3),"
"			    make_date(y, 12, 4) + (((j - 1) / 7) % 3)\n"
"			from generate_series(k, cardinality(vills), 7) j;\n"
"			insert into deployments (id, campaign_id, staff_id,"
"			    county_code, township_code, team_id, period, role)\n"
"			select md5('xz-seed-dep-law:' || t.code || s)::uuid,"
"			    law, md5('xz-seed-staff:' || t.code || s)::uuid,"
"			    t.county_code, t.code, team,"
"			    daterange(make_date(y, 12, 4), make_date(y, 12, 6),"
"			    '[]'), case when s = 3 + k * 4 then 'lead'"
"			    else 'member' end\n"
"			from unnest(array[3 + k * 4, 4 + k * 4, 5 + k * 4]) s;\n"
"		end loop;\n"
"		patrol := md5('xz-seed-patrol:' || t.code)::uuid;\n"
"		insert into campaigns (id, county_code, township_code, title,"
"		    kind, priority, starts_on, ends_on, lead_center_id,"
"		    headcount_needed, skills_needed, actual_started_on)\n"
"		values (patrol, t.county_code, t.code,"
"		    t.name || '农田水利设施巡查', 'inspection', 'normal',"
"		    d0 - 2, d0 + 12, ctr[2], 4, array['engineering'], d0 - 2);\n"
"		insert into campaign_villages (campaign_id, county_code,"
"		    township_code, village_code)\n"
"		select patrol, t.county_code, t.code, v"
"		    from unnest(vills[1:3]) v;\n"
/* Staff 36-39 (one per center; every township has 40 or more) are in
 * neither the census ((s / 4) % 2 = 0) nor the law teams (7-35). */
"		insert into deployments (id, campaign_id, staff_id, county_code,"
"		    township_code, period, share_percent, role)\n"
"		select md5('xz-seed-dep-patrol:' || t.code || s)::uuid, patrol,"
"		    md5('xz-seed-staff:' || t.code || s)::uuid, t.county_code,"
"		    t.code, daterange(d0 - 2, d0 + 12, '[]'),"
"		    case when s < 38 then 100 else 50 end,"
"		    case when s = 37 then 'lead' else 'member' end\n"
"		from generate_series(36, 39) s;\n"
"	end loop;\n"
"end\n"
"$seed$";

int
xz_seed_demo_personnel(PGconn *conn)
{
	PGresult	*res;
	int		rc;

	res = PQexec(conn, seed_personnel_sql);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "seed: demo personnel: %s",
		    PQresultErrorMessage(res));
	PQclear(res);
	return (rc);
}
