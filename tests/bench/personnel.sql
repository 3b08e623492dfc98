-- `make bench`: a township of 300 staff for the team proposal (issue 4),
-- loaded as the owner into the benchmark's throwaway database: 30
-- villages, 75 staff per center (minimum on duty 5 each), six skills,
-- 200 people deployed for 1 to 30 days over the last 90 days, and a
-- campaign of 3 days over every village needing 40 people with two
-- skills.  Prints the campaign id.
\set ON_ERROR_STOP 1
\set QUIET 1
insert into townships (code, county_code, name, kind)
    values ('330599990', '330599', '压测镇', 'town');
insert into villages (code, township_code, county_code, name, population,
    households, natural_village_count)
select '330599990' || lpad(g::text, 3, '0'), '330599990', '330599',
    '压测' || g || '村', 1000, 300, 3
from generate_series(200, 229) g;
insert into origin_units (id, county_code, township_code, name, kind)
values ('00000000-0000-4000-8000-0000000b0001', '330599', '330599990',
    '压测办', 'internal_office');
insert into skill_tags (county_code, township_code, code, label)
select '330599', '330599990', s, s from unnest(array['law_publicity',
    'statistics', 'engineering', 'finance', 'mediation', 'agriculture']) s;
insert into staff (county_code, township_code, name, origin_unit_id,
    establishment, center_id, post, skills)
select '330599', '330599990', '压测员' || g,
    '00000000-0000-4000-8000-0000000b0001', 'civil_servant',
    (select id from centers where township_code = '330599990' order by kind
    offset g % 4 limit 1), '科员',
    array[(array['law_publicity', 'statistics', 'engineering', 'finance',
    'mediation', 'agriculture'])[1 + g % 6]]
from generate_series(1, 300) g;
update centers set on_duty_minimum = 5 where township_code = '330599990';
insert into campaigns (id, county_code, township_code, title, kind,
    priority, starts_on, ends_on, lead_center_id, headcount_needed)
values ('00000000-0000-4000-8000-0000000b0002', '330599', '330599990',
    '压测往期', 'other', 'normal', current_date - 95, current_date - 1,
    (select id from centers where township_code = '330599990' limit 1), 200);
insert into deployments (campaign_id, staff_id, county_code, township_code,
    period)
select '00000000-0000-4000-8000-0000000b0002', s.id, '330599', '330599990',
    daterange(current_date - 90 + (n % 60), current_date - 90 + (n % 60) +
    1 + (n % 30))
from (select id, (row_number() over (order by id))::integer as n from staff
    where township_code = '330599990') s
where s.n <= 200;
insert into campaigns (id, county_code, township_code, title, kind,
    priority, starts_on, ends_on, lead_center_id, headcount_needed,
    skills_needed)
values ('00000000-0000-4000-8000-0000000b0003', '330599', '330599990',
    '压测普法', 'law_publicity', 'high', current_date + 10,
    current_date + 12,
    (select id from centers where township_code = '330599990' limit 1), 40,
    array['law_publicity', 'mediation']);
insert into campaign_villages (campaign_id, county_code, township_code,
    village_code)
select '00000000-0000-4000-8000-0000000b0003', '330599', '330599990', code
from villages where township_code = '330599990';
\set QUIET 0
\pset tuples_only on
select '00000000-0000-4000-8000-0000000b0003';
