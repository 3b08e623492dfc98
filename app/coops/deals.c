/*
 * Deals of the cooperatives: machine and labour-team bookings, land
 * transfers (土地流转), house leases, what is free in a period, and the
 * cooperatives report.  Tenancy is the row policies' job, as everywhere:
 * a machine, parcel or house the caller cannot see is not there (404).
 *
 * Decisions:
 * - Periods and terms are {"from", "to"} with `to` inclusive in the API and
 *   daterange('[from, to]') in SQL (stored canonically as [from, to + 1)).
 *   Their limits are checked here first so that a 400 names the field: a
 *   booking covers at most 366 days, a land transfer at most 30 years, a
 *   house lease at most 20 years (the Civil Code's cap), availability asks
 *   about at most to - from = 92 days.
 * - No double booking: the exclusion constraints of 0003 (23P01, 409
 *   overlap).  They hold under concurrent inserts, so bookings and
 *   transfers lock nothing.
 * - Whether the asset may be booked, transferred or leased is decided in
 *   the insert's own select (one statement, no race with a reader): the
 *   cooperative is active; a machine is not out_of_service; a team has at
 *   least one member; a house is not dilapidated (危房 are not let) and is
 *   idle or in_use only through active leases (so that successive leases
 *   of one house are possible).  Otherwise 409 not_bookable.
 * - Leasing sets the house's occupancy to in_use; cancelling the last
 *   active lease of a house sets it back to idle.  A lease whose term has
 *   ended keeps the house in_use until it is cancelled (there is no
 *   "ended" status).  Leases and their cancellations lock the house row
 *   first (house_lock) so that concurrent ones see each other.
 * - A partner's booking is always booked_by_kind partner, booked_by its
 *   client id (booked_by_kind/booked_by may be left out; other values are
 *   a 400).  Partners cancel only the bookings they made (403 otherwise).
 *   A partner books only machines and teams it can read (coops:read).
 * - Cancelling keeps the record (status cancelled, cancelled_at, reason);
 *   cancelling again is 409 already_cancelled.
 * - Availability lists machines (not out_of_service) and teams (with
 *   members) of active cooperatives with no booking overlapping the period,
 *   across every township the caller reads.  A labour team shows its member
 *   ids, member count and skills ({skill, members, days_available_per_month}
 *   summed over the team); ?skill keeps teams where a member has that skill
 *   with days available.
 * - The report is one statement.  Machine-days count machines that are not
 *   out_of_service only, booked and available alike, so utilisation is
 *   booked / available in 0..1 (null when nothing is available).  Land
 *   transferred is the area of the parcels under active transfers
 *   overlapping the period (a parcel counted once) and the sum of their
 *   yearly rents (rent per mu x area); house leases likewise.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/coops.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define ZERO_UUID	"00000000-0000-0000-0000-000000000000"

#define BOOKING_DAYS_MAX	366
#define TRANSFER_YEARS_MAX	30
#define LEASE_YEARS_MAX		20
#define AVAILABILITY_SPAN_MAX	92

/* {"from", "to"} of a range r, `to` inclusive. */
#define RANGE_JSON(r)							\
	"json_build_object('from', lower(" r "), 'to', upper(" r ") - 1)"

#define BOOKING_JSON							\
	"json_build_object('id', b.id,"					\
	" 'cooperative_id', b.cooperative_id,"				\
	" 'county_code', b.county_code,"				\
	" 'township_code', b.township_code,"				\
	" 'machine_id', b.machine_id,"					\
	" 'labour_team_id', b.labour_team_id,"				\
	" 'booked_by_kind', b.booked_by_kind,"				\
	" 'booked_by', case when xz.claim('role') = 'partner' and"	\
	" b.created_by is distinct from xz.claim('sub')"		\
	" then null else b.booked_by end,"				\
	" 'period', " RANGE_JSON("b.period") ","			\
	" 'price_fen', b.price_fen,"					\
	" 'status', b.status, 'cancelled_at', b.cancelled_at,"		\
	" 'cancel_reason', b.cancel_reason,"				\
	" 'created_by', case when xz.claim('role') = 'partner' and"	\
	" b.created_by is distinct from xz.claim('sub')"		\
	" then null else b.created_by end,"				\
	" 'version', b.version, 'created_at', b.created_at,"		\
	" 'updated_at', b.updated_at)::text"

#define TRANSFER_JSON							\
	"json_build_object('id', t.id,"					\
	" 'cooperative_id', t.cooperative_id,"				\
	" 'county_code', t.county_code,"				\
	" 'township_code', t.township_code,"				\
	" 'parcel_id', t.parcel_id, 'lessee', t.lessee,"		\
	" 'term', " RANGE_JSON("t.term") ","				\
	" 'rent_fen_per_mu_year', t.rent_fen_per_mu_year,"		\
	" 'status', t.status, 'cancelled_at', t.cancelled_at,"		\
	" 'cancel_reason', t.cancel_reason, 'version', t.version,"	\
	" 'created_at', t.created_at, 'updated_at', t.updated_at)::text"

#define LEASE_JSON							\
	"json_build_object('id', l.id,"					\
	" 'cooperative_id', l.cooperative_id,"				\
	" 'county_code', l.county_code,"				\
	" 'township_code', l.township_code,"				\
	" 'house_id', l.house_id, 'lessee', l.lessee,"			\
	" 'term', " RANGE_JSON("l.term") ","				\
	" 'rent_fen_per_year', l.rent_fen_per_year,"			\
	" 'status', l.status, 'cancelled_at', l.cancelled_at,"		\
	" 'cancel_reason', l.cancel_reason, 'version', l.version,"	\
	" 'created_at', l.created_at, 'updated_at', l.updated_at)::text"

/* A machine as assets.c shows it, plus its cooperative's name. */
#define FREE_MACHINE_JSON						\
	"json_build_object('id', m.id,"					\
	" 'cooperative_id', m.cooperative_id,"				\
	" 'county_code', m.county_code,"				\
	" 'township_code', m.township_code,"				\
	" 'type', m.type, 'model', m.model, 'power_kw', m.power_kw,"	\
	" 'plate_or_serial', m.plate_or_serial,"			\
	" 'condition', m.condition,"					\
	" 'version', m.version, 'created_at', m.created_at,"		\
	" 'updated_at', m.updated_at, 'cooperative_name', c.name,"	\
	" 'free', true)::text"

#define FREE_TEAM_JSON							\
	"json_build_object('id', t.id,"					\
	" 'cooperative_id', t.cooperative_id,"				\
	" 'county_code', t.county_code,"				\
	" 'township_code', t.township_code,"				\
	" 'name', t.name,"						\
	" 'member_ids', (select coalesce(json_agg(x.member_id"		\
	" order by x.member_id), '[]') from labour_team_members x"	\
	" where x.team_id = t.id),"					\
	" 'member_count', (select count(*) from labour_team_members x"	\
	" where x.team_id = t.id),"					\
	" 'skills', (select coalesce(json_agg(json_build_object("	\
	"'skill', s.skill, 'members', s.n,"				\
	" 'days_available_per_month', s.days) order by s.skill), '[]')"	\
	" from (select ms.skill, count(*) as n,"			\
	" sum(ms.days_available_per_month) as days"			\
	" from labour_team_members x join member_skills ms"		\
	" on ms.member_id = x.member_id where x.team_id = t.id"		\
	" group by ms.skill) s),"					\
	" 'version', t.version, 'created_at', t.created_at,"		\
	" 'updated_at', t.updated_at, 'cooperative_name', c.name,"	\
	" 'free', true)::text"

/* $n and $n+1: an optional [from, to] filter on the range column r. */
#define OVERLAPS(r, f, t)						\
	"((" f "::date is null and " t "::date is null) or " r " &&"	\
	" daterange(" f "::date, " t "::date, '[]'))"

static struct xz_stmt	booking_list = { "booking_list",
	"select " BOOKING_JSON ", b.id::text from bookings b"
	" where b.id > $1::uuid"
	" and ($2::uuid is null or b.machine_id = $2::uuid)"
	" and ($3::uuid is null or b.labour_team_id = $3::uuid)"
	" and ($4::uuid is null or b.cooperative_id = $4::uuid)"
	" and ($5::text is null or b.status = $5::text)"
	" and " OVERLAPS("b.period", "$6", "$7")
	" order by b.id limit $8",
	8, -1 };
static struct xz_stmt	booking_get = { "booking_get",
	"select " BOOKING_JSON ", b.version, b.status, b.created_by"
	" from bookings b where b.id = $1::uuid",
	1, -1 };
/*
 * Two inserts of overlapping periods into one exclusion constraint can
 * deadlock (each waits for the other's uncommitted row: PostgreSQL has no
 * speculative insertion for exclusion constraints).  So bookings of one
 * machine or team, and transfers of one parcel, first take a transaction
 * lock on it (an advisory lock: row security would hide a machine a
 * partner may book but not update from SELECT ... FOR UPDATE); the second
 * then meets the first's committed row and gets 23P01, a 409.
 */
#define DEAL_LOCK(id)							\
	" lk as (select pg_advisory_xact_lock(hashtextextended("	\
	"'xz.deal:' || " id ", 0)) as locked),"

/*
 * The machine ($1) or team ($2) as the caller sees it, whether it may be
 * booked, and the booking when it may: no row, 404; ok false, 409.
 */
static struct xz_stmt	booking_insert = { "booking_insert",
	"with" DEAL_LOCK("coalesce($1::uuid, $2::uuid)::text")
	" a as ("
	" select m.id as machine_id, null::uuid as team_id, m.cooperative_id,"
	" m.county_code, m.township_code,"
	" m.condition <> 'out_of_service' and c.status = 'active' as ok"
	" from lk, machines m join cooperatives c on c.id = m.cooperative_id"
	" where m.id = $1::uuid"
	" union all"
	" select null, t.id, t.cooperative_id, t.county_code, t.township_code,"
	" c.status = 'active' and exists (select 1 from labour_team_members x"
	" where x.team_id = t.id)"
	" from lk, labour_teams t join cooperatives c"
	" on c.id = t.cooperative_id"
	" where t.id = $2::uuid),"
	" b as (insert into bookings (cooperative_id, county_code,"
	" township_code, machine_id, labour_team_id, booked_by_kind,"
	" booked_by,"
	" period, price_fen)"
	" select cooperative_id, county_code, township_code, machine_id,"
	" team_id, $3, $4, daterange($5::date, $6::date, '[]'), $7::bigint"
	" from a where ok returning *)"
	" select " BOOKING_JSON ", b.version, b.id::text, a.ok"
	" from a left join b on true",
	7, -1 };
static struct xz_stmt	booking_cancel = { "booking_cancel",
	"update bookings b set status = 'cancelled', cancel_reason = $2"
	" where b.id = $1::uuid returning " BOOKING_JSON ", b.version",
	2, -1 };

static struct xz_stmt	transfer_list = { "transfer_list",
	"select " TRANSFER_JSON ", t.id::text from land_transfers t"
	" where t.id > $1::uuid"
	" and ($2::uuid is null or t.cooperative_id = $2::uuid)"
	" and ($3::uuid is null or t.parcel_id = $3::uuid)"
	" and ($4::text is null or t.status = $4::text)"
	" order by t.id limit $5",
	5, -1 };
static struct xz_stmt	transfer_get = { "transfer_get",
	"select " TRANSFER_JSON ", t.version, t.status, null"
	" from land_transfers t where t.id = $1::uuid",
	1, -1 };
static struct xz_stmt	transfer_insert = { "transfer_insert",
	"with" DEAL_LOCK("$1::uuid::text")
	" a as ("
	" select p.id, p.cooperative_id, p.county_code, p.township_code,"
	" c.status = 'active' as ok"
	" from lk, land_parcels p join cooperatives c"
	" on c.id = p.cooperative_id"
	" where p.id = $1::uuid),"
	" t as (insert into land_transfers (cooperative_id, county_code,"
	" township_code, parcel_id, lessee, term, rent_fen_per_mu_year)"
	" select cooperative_id, county_code, township_code, id, $2,"
	" daterange($3::date, $4::date, '[]'), $5::bigint from a where ok"
	" returning *)"
	" select " TRANSFER_JSON ", t.version, t.id::text, a.ok"
	" from a left join t on true",
	5, -1 };
static struct xz_stmt	transfer_cancel = { "transfer_cancel",
	"update land_transfers t set status = 'cancelled', cancel_reason = $2"
	" where t.id = $1::uuid returning " TRANSFER_JSON ", t.version",
	2, -1 };

static struct xz_stmt	lease_list = { "lease_list",
	"select " LEASE_JSON ", l.id::text from house_leases l"
	" where l.id > $1::uuid"
	" and ($2::uuid is null or l.cooperative_id = $2::uuid)"
	" and ($3::uuid is null or l.house_id = $3::uuid)"
	" and ($4::text is null or l.status = $4::text)"
	" order by l.id limit $5",
	5, -1 };
static struct xz_stmt	lease_get = { "lease_get",
	"select " LEASE_JSON ", l.version, l.status, null"
	" from house_leases l where l.id = $1::uuid",
	1, -1 };
/*
 * Leases and their cancellations first lock the house (the lease's house
 * for a cancellation, $2) so that the next statement, with a snapshot
 * taken after the lock, sees every lease committed before: two leases of
 * one house, or a lease and a cancellation, then serialise on the house
 * row and its occupancy stays right.
 */
static struct xz_stmt	house_lock = { "house_lock",
	"select 1 from houses h where h.id = coalesce($1::uuid,"
	" (select house_id from house_leases where id = $2::uuid))"
	" for update of h",
	2, -1 };
static struct xz_stmt	lease_insert = { "lease_insert",
	"with a as ("
	" select h.id, h.cooperative_id, h.county_code, h.township_code,"
	" c.status = 'active' and h.condition <> 'dilapidated' and"
	" (h.occupancy = 'idle' or exists (select 1 from house_leases x"
	" where x.house_id = h.id and x.status = 'active')) as ok"
	" from houses h join cooperatives c on c.id = h.cooperative_id"
	" where h.id = $1::uuid),"
	" l as (insert into house_leases (cooperative_id, county_code,"
	" township_code, house_id, lessee, term, rent_fen_per_year)"
	" select cooperative_id, county_code, township_code, id, $2,"
	" daterange($3::date, $4::date, '[]'), $5::bigint from a where ok"
	" returning *),"
	" u as (update houses h set occupancy = 'in_use' from l"
	" where h.id = l.house_id and h.occupancy <> 'in_use')"
	" select " LEASE_JSON ", l.version, l.id::text, a.ok"
	" from a left join l on true",
	5, -1 };
static struct xz_stmt	lease_cancel = { "lease_cancel",
	"with l as (update house_leases l set status = 'cancelled',"
	" cancel_reason = $2 where l.id = $1::uuid returning *),"
	" u as (update houses h set occupancy = 'idle' from l"
	" where h.id = l.house_id and h.occupancy <> 'idle' and"
	" not exists (select 1 from house_leases x where"
	" x.house_id = l.house_id and x.status = 'active' and x.id <> l.id))"
	" select " LEASE_JSON ", l.version from l",
	2, -1 };

static struct xz_stmt	avail_machines = { "avail_machines",
	"select " FREE_MACHINE_JSON ", m.id::text"
	" from machines m join cooperatives c on c.id = m.cooperative_id"
	" where m.id > $1::uuid and c.status = 'active'"
	" and m.condition <> 'out_of_service'"
	" and ($4::text is null or m.type = $4::text)"
	" and ($5::text is null or m.township_code = $5::bpchar)"
	" and not exists (select 1 from bookings b where b.machine_id = m.id"
	" and b.status = 'booked'"
	" and b.period && daterange($2::date, $3::date, '[]'))"
	" order by m.id limit $6",
	6, -1 };
static struct xz_stmt	avail_labour = { "avail_labour",
	"select " FREE_TEAM_JSON ", t.id::text"
	" from labour_teams t join cooperatives c on c.id = t.cooperative_id"
	" where t.id > $1::uuid and c.status = 'active'"
	" and exists (select 1 from labour_team_members x"
	" where x.team_id = t.id)"
	" and ($4::text is null or exists (select 1 from labour_team_members x"
	" join member_skills ms on ms.member_id = x.member_id"
	" where x.team_id = t.id and ms.skill = $4::text"
	" and ms.days_available_per_month > 0))"
	" and ($5::text is null or t.township_code = $5::bpchar)"
	" and not exists (select 1 from bookings b"
	" where b.labour_team_id = t.id and b.status = 'booked'"
	" and b.period && daterange($2::date, $3::date, '[]'))"
	" order by t.id limit $6",
	6, -1 };

/* A township's or the total's figures (columns of the report's rows). */
#define REPORT_FIGURES							\
	" 'cooperatives', json_build_object("				\
	"'total', coalesce(c_total, 0),"				\
	" 'by_kind', json_build_object('labor', coalesce(k_labor, 0),"	\
	" 'machinery', coalesce(k_machinery, 0),"			\
	" 'farmland', coalesce(k_farmland, 0),"				\
	" 'housing', coalesce(k_housing, 0)),"				\
	" 'by_status', json_build_object("				\
	"'active', coalesce(s_active, 0),"				\
	" 'suspended', coalesce(s_suspended, 0),"			\
	" 'dissolved', coalesce(s_dissolved, 0))),"			\
	" 'members', coalesce(members, 0),"				\
	" 'pooled_land_mu_x100', coalesce(pooled, 0),"			\
	" 'machines', json_build_object('total', coalesce(m_total, 0),"	\
	" 'out_of_service', coalesce(m_oos, 0),"			\
	" 'by_type', json_build_object("				\
	"'tractor', coalesce(t_tractor, 0),"				\
	" 'combine_harvester', coalesce(t_combine, 0),"			\
	" 'transplanter', coalesce(t_transplanter, 0),"			\
	" 'plant_protection_drone', coalesce(t_drone, 0),"		\
	" 'other', coalesce(t_other, 0))),"				\
	" 'machine_days', json_build_object("				\
	"'booked', coalesce(booked, 0),"				\
	" 'available', coalesce(available, 0),"				\
	" 'utilisation', case when available > 0 then"			\
	" round(booked::numeric / available, 4) end),"			\
	" 'land_transfers', json_build_object("				\
	"'count', coalesce(lt_n, 0),"					\
	" 'area_mu_x100', coalesce(lt_area, 0),"			\
	" 'rent_fen_per_year', coalesce(lt_rent, 0)),"			\
	" 'house_leases', json_build_object("				\
	"'count', coalesce(hl_n, 0),"					\
	" 'rent_fen_per_year', coalesce(hl_rent, 0))"

/*
 * The report: one row per township the caller reads (all of the county
 * for county users, their own for township users), a total over them, as
 * one JSON document; column 1 counts the townships.
 */
static struct xz_stmt	deals_report = { "deals_report",
	"with w as (select f, t, daterange(f, t, '[]') as r from ("
	" select coalesce($1::date, date_trunc('month', current_date)::date)"
	" as f, coalesce($2::date, (date_trunc('month', current_date) +"
	" interval '1 month' - interval '1 day')::date) as t) d),"
	" ts as (select code, name from townships"
	" where $3::text is null or code = $3::bpchar),"
	" co as (select township_code as tc,"
	" count(*) filter (where kind = 'labor') as k_labor,"
	" count(*) filter (where kind = 'machinery') as k_machinery,"
	" count(*) filter (where kind = 'farmland') as k_farmland,"
	" count(*) filter (where kind = 'housing') as k_housing,"
	" count(*) filter (where status = 'active') as s_active,"
	" count(*) filter (where status = 'suspended') as s_suspended,"
	" count(*) filter (where status = 'dissolved') as s_dissolved,"
	" count(*) as c_total from cooperatives"
	" where township_code in (select code from ts) group by 1),"
	" mb as (select township_code as tc, count(*) as n from members"
	" where left_on is null and township_code in (select code from ts)"
	" group by 1),"
	" pl as (select township_code as tc, sum(area_mu_x100) as area"
	" from land_parcels where township_code in (select code from ts)"
	" group by 1),"
	" ma as (select township_code as tc,"
	" count(*) filter (where type = 'tractor') as t_tractor,"
	" count(*) filter (where type = 'combine_harvester') as t_combine,"
	" count(*) filter (where type = 'transplanter') as t_transplanter,"
	" count(*) filter (where type = 'plant_protection_drone') as t_drone,"
	" count(*) filter (where type = 'other') as t_other,"
	" count(*) filter (where condition = 'out_of_service') as m_oos,"
	" count(*) as m_total from machines"
	" where township_code in (select code from ts) group by 1),"
	" bk as (select b.township_code as tc, sum(upper(b.period * w.r) -"
	" lower(b.period * w.r)) as days"
	" from bookings b join machines m on m.id = b.machine_id, w"
	" where b.status = 'booked' and m.condition <> 'out_of_service'"
	" and b.period && w.r and b.township_code in (select code from ts)"
	" group by 1),"
	" lx as (select x.township_code as tc, p.area_mu_x100 as area,"
	" round(x.rent_fen_per_mu_year * p.area_mu_x100 / 100.0) as rent,"
	" row_number() over (partition by x.parcel_id order by x.id) = 1"
	" as first from land_transfers x"
	" join land_parcels p on p.id = x.parcel_id, w"
	" where x.status = 'active' and x.term && w.r"
	" and x.township_code in (select code from ts)),"
	" lt as (select tc, count(*) as n,"
	" sum(area) filter (where first) as area, sum(rent) as rent"
	" from lx group by 1),"
	" hl as (select township_code as tc, count(*) as n,"
	" sum(rent_fen_per_year) as rent from house_leases, w"
	" where status = 'active' and term && w.r"
	" and township_code in (select code from ts) group by 1),"
	" per as (select ts.code, ts.name,"
	" coalesce(co.k_labor, 0) as k_labor,"
	" coalesce(co.k_machinery, 0) as k_machinery,"
	" coalesce(co.k_farmland, 0) as k_farmland,"
	" coalesce(co.k_housing, 0) as k_housing,"
	" coalesce(co.s_active, 0) as s_active,"
	" coalesce(co.s_suspended, 0) as s_suspended,"
	" coalesce(co.s_dissolved, 0) as s_dissolved,"
	" coalesce(co.c_total, 0) as c_total,"
	" coalesce(mb.n, 0) as members,"
	" coalesce(pl.area, 0) as pooled,"
	" coalesce(ma.t_tractor, 0) as t_tractor,"
	" coalesce(ma.t_combine, 0) as t_combine,"
	" coalesce(ma.t_transplanter, 0) as t_transplanter,"
	" coalesce(ma.t_drone, 0) as t_drone,"
	" coalesce(ma.t_other, 0) as t_other,"
	" coalesce(ma.m_oos, 0) as m_oos,"
	" coalesce(ma.m_total, 0) as m_total,"
	" coalesce(bk.days, 0) as booked,"
	" (coalesce(ma.m_total, 0) - coalesce(ma.m_oos, 0)) *"
	" (select t - f + 1 from w) as available,"
	" coalesce(lt.n, 0) as lt_n, coalesce(lt.area, 0) as lt_area,"
	" coalesce(lt.rent, 0) as lt_rent,"
	" coalesce(hl.n, 0) as hl_n, coalesce(hl.rent, 0) as hl_rent"
	" from ts left join co on co.tc = ts.code"
	" left join mb on mb.tc = ts.code left join pl on pl.tc = ts.code"
	" left join ma on ma.tc = ts.code left join bk on bk.tc = ts.code"
	" left join lt on lt.tc = ts.code left join hl on hl.tc = ts.code),"
	" rows as (select 0 as ord, per.* from per union all"
	" select 1, null, null, sum(k_labor), sum(k_machinery),"
	" sum(k_farmland), sum(k_housing), sum(s_active), sum(s_suspended),"
	" sum(s_dissolved), sum(c_total), sum(members), sum(pooled),"
	" sum(t_tractor), sum(t_combine), sum(t_transplanter), sum(t_drone),"
	" sum(t_other), sum(m_oos), sum(m_total), sum(booked),"
	" sum(available), sum(lt_n), sum(lt_area), sum(lt_rent), sum(hl_n),"
	" sum(hl_rent) from per),"
	" j as (select ord, code, case when ord = 0 then json_build_object("
	"'township_code', code, 'name', name, " REPORT_FIGURES ")"
	" else json_build_object(" REPORT_FIGURES ") end as doc from rows)"
	" select json_build_object('period', (select json_build_object("
	"'from', f, 'to', t) from w), 'township', $3::text,"
	" 'townships', coalesce((select json_agg(doc order by code) from j"
	" where ord = 0), '[]'),"
	" 'total', (select doc from j"
	" where ord = 1))::text, (select count(*) from ts)",
	3, -1 };

static const char *const	booked_by_kinds[] = { "village", "farmer",
	"partner", NULL };
static const char *const	booking_statuses[] = { "booked", "cancelled",
	NULL };
static const char *const	deal_statuses[] = { "active", "cancelled",
	NULL };
static const char *const	machine_types[] = { "tractor",
	"combine_harvester", "transplanter", "plant_protection_drone", "other",
	NULL };

static const struct xz_field	booking_fields[] = {
	{ "machine_id", XZ_FT_UUID, 0, 0, 0, NULL },
	{ "labour_team_id", XZ_FT_UUID, 0, 0, 0, NULL },
	{ "booked_by_kind", XZ_FT_ENUM, 0, 0, 0, booked_by_kinds },
	{ "booked_by", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "period", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "price_fen", XZ_FT_INT, 1, 0, 100000000000LL, NULL },
};

static const struct xz_field	transfer_fields[] = {
	{ "parcel_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "lessee", XZ_FT_STRING, 1, 1, 128, NULL },
	{ "term", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "rent_fen_per_mu_year", XZ_FT_INT, 1, 0, 100000000LL, NULL },
};

static const struct xz_field	lease_fields[] = {
	{ "house_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "lessee", XZ_FT_STRING, 1, 1, 128, NULL },
	{ "term", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "rent_fen_per_year", XZ_FT_INT, 1, 0, 10000000000LL, NULL },
};

static const struct xz_field	range_fields[] = {
	{ "from", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "to", XZ_FT_DATE, 1, 0, 0, NULL },
};

static const struct xz_field	cancel_fields[] = {
	{ "reason", XZ_FT_STRING, 1, 1, 200, NULL },
};

static const char *const	booking_filters[] = { "machine", "team",
	"cooperative", "status", "from", "to", NULL };
static const char *const	transfer_filters[] = { "cooperative",
	"parcel", "status", NULL };
static const char *const	lease_filters[] = { "cooperative", "house",
	"status", NULL };
static const char *const	machine_filters[] = { "from", "to", "type",
	"township", NULL };
static const char *const	labour_filters[] = { "from", "to", "skill",
	"township", NULL };
static const char *const	report_filters[] = { "from", "to", "township",
	NULL };

static int		no_cursor_valid(const char *);
static int		deal_list(struct xz_ctx *, const struct xz_stmt *,
			    const char *const *, const char *const *);
static int		deal_cancel(struct xz_ctx *, const struct xz_stmt *,
			    const struct xz_stmt *);
static int		deal_create(struct xz_ctx *, const struct xz_stmt *,
			    const struct xz_field *, size_t, const char *,
			    int, const char *, const char *);
static int		deal_availability(struct xz_ctx *,
			    const struct xz_stmt *, const char *const *);
static int		deal_created_done(struct xz_ctx *, const char *,
			    const char *, const char *);
static int		deal_cancel_done(struct xz_ctx *);
static int		range_body(struct xz_ctx *, const char *, int, int,
			    char *, char *, struct xz_errors *);
static int		range_params(const char *, const char *, int,
			    struct xz_errors *);
static void		uuid_param(char *, const char *, struct xz_errors *);
static void		date_param(const char *, const char *,
			    struct xz_errors *);
static long		date_days(const char *);
static long		date_plus_years(const char *, int);

void
xz_deals_register(void)
{
	xz_db_register(&booking_list);
	xz_db_register(&booking_get);
	xz_db_register(&booking_insert);
	xz_db_register(&booking_cancel);
	xz_db_register(&transfer_list);
	xz_db_register(&transfer_get);
	xz_db_register(&transfer_insert);
	xz_db_register(&transfer_cancel);
	xz_db_register(&lease_list);
	xz_db_register(&lease_get);
	xz_db_register(&house_lock);
	xz_db_register(&lease_insert);
	xz_db_register(&lease_cancel);
	xz_db_register(&avail_machines);
	xz_db_register(&avail_labour);
	xz_db_register(&deals_report);
}

/* Bookings. */

int
xz_bookings_list(struct xz_ctx *ctx)
{
	static const char *const	kinds[] = { "uuid", "uuid", "uuid",
	    "booking_status", "date", "date", NULL };

	return (deal_list(ctx, &booking_list, booking_filters, kinds));
}

int
xz_bookings_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

int
xz_bookings_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*kind, *by, *machine, *team;
	char			from[16], to[16], price[24];
	int			partner;

	(void)xz_validate(ctx->body, booking_fields, nitems(booking_fields),
	    &errs);
	(void)range_body(ctx, "period", BOOKING_DAYS_MAX, 0, from, to, &errs);
	machine = xz_body_str(ctx, "machine_id");
	team = xz_body_str(ctx, "labour_team_id");
	if (json_object_get(ctx->body, "machine_id") != NULL &&
	    json_object_get(ctx->body, "labour_team_id") != NULL)
		xz_errors_add(&errs, 0, "/labour_team_id", "exclusive",
		    "give machine_id or labour_team_id, not both");
	else if (json_object_get(ctx->body, "machine_id") == NULL &&
	    json_object_get(ctx->body, "labour_team_id") == NULL)
		xz_errors_add(&errs, 0, "/machine_id", "required",
		    "machine_id or labour_team_id is required");
	kind = xz_body_str(ctx, "booked_by_kind");
	by = xz_body_str(ctx, "booked_by");
	partner = ctx->claims.role == XZ_ROLE_PARTNER;
	if (partner) {
		/* A partner books as itself. */
		if (kind != NULL && strcmp(kind, "partner") != 0)
			xz_errors_add(&errs, 0, "/booked_by_kind",
			    "not_allowed", "a partner's bookings are "
			    "booked_by_kind partner");
		if (by != NULL && strcmp(by, ctx->claims.sub) != 0)
			xz_errors_add(&errs, 0, "/booked_by", "not_allowed",
			    "a partner's bookings are booked_by its client "
			    "id");
		kind = "partner";
		by = ctx->claims.sub;
	} else {
		if (json_object_get(ctx->body, "booked_by_kind") == NULL)
			xz_errors_add(&errs, 0, "/booked_by_kind", "required",
			    "booked_by_kind is required");
		if (json_object_get(ctx->body, "booked_by") == NULL)
			xz_errors_add(&errs, 0, "/booked_by", "required",
			    "booked_by is required");
	}
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	(void)snprintf(price, sizeof(price), "%lld",
	    (long long)json_integer_value(json_object_get(ctx->body,
	    "price_fen")));
	ctx->location = "/api/v1/bookings/";
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &booking_insert, machine,
	    team, kind, by, from, to, price);
	return (xz_ctx_run(ctx));
}

int
xz_bookings_create_done(struct xz_ctx *ctx)
{
	if (xz_body_str(ctx, "machine_id") != NULL)
		return (deal_created_done(ctx, "/machine_id", "machine",
		    "the machine is out of service or its cooperative is not "
		    "active"));
	return (deal_created_done(ctx, "/labour_team_id", "labour team",
	    "the team has no members or its cooperative is not active"));
}

int
xz_booking_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &booking_get));
}

int
xz_booking_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "resource"));
}

int
xz_booking_cancel(struct xz_ctx *ctx)
{
	return (deal_cancel(ctx, &booking_cancel, &booking_get));
}

int
xz_booking_cancel_done(struct xz_ctx *ctx)
{
	return (deal_cancel_done(ctx));
}

/* Land transfers. */

int
xz_transfers_list(struct xz_ctx *ctx)
{
	static const char *const	kinds[] = { "uuid", "uuid",
	    "deal_status", NULL };

	return (deal_list(ctx, &transfer_list, transfer_filters, kinds));
}

int
xz_transfers_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

int
xz_transfers_create(struct xz_ctx *ctx)
{
	return (deal_create(ctx, &transfer_insert, transfer_fields,
	    nitems(transfer_fields), "term", TRANSFER_YEARS_MAX,
	    "rent_fen_per_mu_year", "/api/v1/land-transfers/"));
}

int
xz_transfers_create_done(struct xz_ctx *ctx)
{
	return (deal_created_done(ctx, "/parcel_id", "parcel",
	    "the parcel's cooperative is not active"));
}

int
xz_transfer_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &transfer_get));
}

int
xz_transfer_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "resource"));
}

int
xz_transfer_cancel(struct xz_ctx *ctx)
{
	return (deal_cancel(ctx, &transfer_cancel, &transfer_get));
}

int
xz_transfer_cancel_done(struct xz_ctx *ctx)
{
	return (deal_cancel_done(ctx));
}

/* House leases. */

int
xz_leases_list(struct xz_ctx *ctx)
{
	static const char *const	kinds[] = { "uuid", "uuid",
	    "deal_status", NULL };

	return (deal_list(ctx, &lease_list, lease_filters, kinds));
}

int
xz_leases_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

int
xz_leases_create(struct xz_ctx *ctx)
{
	return (deal_create(ctx, &lease_insert, lease_fields,
	    nitems(lease_fields), "term", LEASE_YEARS_MAX,
	    "rent_fen_per_year", "/api/v1/house-leases/"));
}

int
xz_leases_create_done(struct xz_ctx *ctx)
{
	return (deal_created_done(ctx, "/house_id", "house",
	    "the house is dilapidated, in use other than by a lease, or its "
	    "cooperative is not active"));
}

int
xz_lease_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &lease_get));
}

int
xz_lease_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "resource"));
}

int
xz_lease_cancel(struct xz_ctx *ctx)
{
	return (deal_cancel(ctx, &lease_cancel, &lease_get));
}

int
xz_lease_cancel_done(struct xz_ctx *ctx)
{
	return (deal_cancel_done(ctx));
}

/* Availability. */

int
xz_availability_machines(struct xz_ctx *ctx)
{
	return (deal_availability(ctx, &avail_machines, machine_filters));
}

int
xz_availability_machines_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

int
xz_availability_labour(struct xz_ctx *ctx)
{
	return (deal_availability(ctx, &avail_labour, labour_filters));
}

int
xz_availability_labour_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

/* The report. */

int
xz_coops_report(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			vals[3][XZ_FILTER_MAX];

	memset(vals, 0, sizeof(vals));
	/* No paging: a validator that refuses every cursor. */
	if (xz_paging_parse_filters(ctx, no_cursor_valid, report_filters, vals,
	    &errs) != 0)
		return (xz_bad(ctx, &errs));
	/* The whole report is one page. */
	if (ctx->limit != XZ_PAGE_DEFAULT || xz_query_has(ctx, "limit"))
		xz_errors_add(&errs, 1, "limit", "unknown_parameter",
		    "the report has no pages");
	if (vals[0][0] != '\0')
		date_param(vals[0], "from", &errs);
	if (vals[1][0] != '\0')
		date_param(vals[1], "to", &errs);
	if ((vals[0][0] == '\0') != (vals[1][0] == '\0'))
		xz_errors_add(&errs, 1, vals[0][0] == '\0' ? "from" : "to",
		    "required", "give both from and to, or neither (the "
		    "current month)");
	else if (vals[0][0] != '\0' && errs.count == 0)
		(void)range_params(vals[0], vals[1], -1, &errs);
	if (vals[2][0] != '\0' && !xz_code_valid(vals[2], XZ_LEVEL_TOWNSHIP))
		xz_errors_add(&errs, 1, "township", "format",
		    "township must be exactly %d digits", XZ_LEVEL_TOWNSHIP);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	ctx->phase = vals[2][0] != '\0';
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &deals_report,
	    xz_opt(vals[0]), xz_opt(vals[1]), xz_opt(vals[2]));
	return (xz_ctx_run(ctx));
}

int
xz_coops_report_done(struct xz_ctx *ctx)
{
	PGresult	*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1)
		return (xz_problem(ctx, 500, "internal_error",
		    "the report could not be computed", NULL));
	/* A township asked for that the caller does not read. */
	if (ctx->phase && strcmp(PQgetvalue(res, 0, 1), "0") == 0)
		return (xz_problem(ctx, 404, "not_found", "no such township",
		    NULL));
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/* Shared steps. */

static int
no_cursor_valid(const char *s)
{
	(void)s;
	return (0);
}

/*
 * A list with filters names[] whose kinds[] say how to check them: "uuid",
 * "date", "booking_status" or "deal_status".  The statement takes the
 * cursor, the filters in order (NULL when absent) and limit + 1.
 */
static int
deal_list(struct xz_ctx *ctx, const struct xz_stmt *st,
    const char *const *names, const char *const *kinds)
{
	struct xz_errors	errs = { 0 };
	char			vals[8][XZ_FILTER_MAX], limit[24];
	const char		*from, *to;
	size_t			n;

	memset(vals, 0, sizeof(vals));
	if (xz_paging_parse_filters(ctx, xz_uuid_valid, names, vals,
	    &errs) != 0)
		return (xz_bad(ctx, &errs));
	from = to = NULL;
	for (n = 0; names[n] != NULL; n++) {
		if (vals[n][0] == '\0')
			continue;
		if (strcmp(kinds[n], "uuid") == 0) {
			uuid_param(vals[n], names[n], &errs);
		} else if (strcmp(kinds[n], "date") == 0) {
			date_param(vals[n], names[n], &errs);
			if (strcmp(names[n], "from") == 0)
				from = vals[n];
			else
				to = vals[n];
		} else {
			xz_enum_param(vals[n], names[n],
			    strcmp(kinds[n], "booking_status") == 0 ?
			    booking_statuses : deal_statuses, &errs);
		}
	}
	if (errs.count == 0 && from != NULL && to != NULL)
		(void)range_params(from, to, -1, &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, ZERO_UUID, sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	xz_ctx_tx(ctx, 1);
	/* Every list statement: cursor, n filters, limit. */
	switch (n) {
	case 3:
		ctx->q_main = xz_tx_add(ctx->tx, st, ctx->cursor,
		    xz_opt(vals[0]), xz_opt(vals[1]), xz_opt(vals[2]), limit);
		break;
	case 6:
		ctx->q_main = xz_tx_add(ctx->tx, st, ctx->cursor,
		    xz_opt(vals[0]), xz_opt(vals[1]), xz_opt(vals[2]),
		    xz_opt(vals[3]), xz_opt(vals[4]), xz_opt(vals[5]), limit);
		break;
	default:
		fatal("deal_list: %zu filters", n);
	}
	return (xz_ctx_run(ctx));
}

/* The update, then (for 0 rows updated) the row as the caller reads it. */
static int
deal_cancel(struct xz_ctx *ctx, const struct xz_stmt *cancel,
    const struct xz_stmt *get)
{
	struct xz_errors	errs = { 0 };
	const char		*id;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, cancel_fields, nitems(cancel_fields),
	    &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	xz_ctx_tx(ctx, 0);
	if (cancel == &lease_cancel)
		(void)xz_tx_add(ctx->tx, &house_lock, NULL, id);
	ctx->q_main = xz_tx_add(ctx->tx, cancel, id,
	    xz_body_str(ctx, "reason"));
	ctx->q_check = xz_tx_add(ctx->tx, get, id);
	return (xz_ctx_run(ctx));
}

/*
 * A transfer or lease: the asset's id (fields[0]), lessee, a term of at
 * most `years` years and the rent field `rent`.
 */
static int
deal_create(struct xz_ctx *ctx, const struct xz_stmt *st,
    const struct xz_field *fields, size_t nfields, const char *term,
    int years, const char *rent, const char *location)
{
	struct xz_errors	errs = { 0 };
	char			from[16], to[16], amount[24];

	(void)xz_validate(ctx->body, fields, nfields, &errs);
	(void)range_body(ctx, term, 0, years, from, to, &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	(void)snprintf(amount, sizeof(amount), "%lld",
	    (long long)json_integer_value(json_object_get(ctx->body, rent)));
	ctx->location = location;
	xz_ctx_tx(ctx, 0);
	if (st == &lease_insert)
		(void)xz_tx_add(ctx->tx, &house_lock,
		    xz_body_str(ctx, fields[0].name), NULL);
	ctx->q_main = xz_tx_add(ctx->tx, st,
	    xz_body_str(ctx, fields[0].name), xz_body_str(ctx, "lessee"),
	    from, to, amount);
	return (xz_ctx_run(ctx));
}

static int
deal_availability(struct xz_ctx *ctx, const struct xz_stmt *st,
    const char *const *names)
{
	struct xz_errors	errs = { 0 };
	char			vals[4][XZ_FILTER_MAX], limit[24];
	long			chars;

	memset(vals, 0, sizeof(vals));
	if (xz_paging_parse_filters(ctx, xz_uuid_valid, names, vals,
	    &errs) != 0)
		return (xz_bad(ctx, &errs));
	if (vals[0][0] == '\0')
		xz_errors_add(&errs, 1, "from", "required",
		    "from is required");
	else
		date_param(vals[0], "from", &errs);
	if (vals[1][0] == '\0')
		xz_errors_add(&errs, 1, "to", "required", "to is required");
	else
		date_param(vals[1], "to", &errs);
	if (errs.count == 0)
		(void)range_params(vals[0], vals[1], AVAILABILITY_SPAN_MAX,
		    &errs);
	if (vals[2][0] != '\0') {
		if (strcmp(names[2], "type") == 0) {
			xz_enum_param(vals[2], "type", machine_types, &errs);
		} else {
			chars = xz_utf8_len(vals[2], strlen(vals[2]));
			if (chars < 1 || chars > 32)
				xz_errors_add(&errs, 1, "skill", "format",
				    "skill is 1 to 32 characters (UTF-8)");
		}
	}
	if (vals[3][0] != '\0' && !xz_code_valid(vals[3], XZ_LEVEL_TOWNSHIP))
		xz_errors_add(&errs, 1, "township", "format",
		    "township must be exactly %d digits", XZ_LEVEL_TOWNSHIP);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, ZERO_UUID, sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), st, ctx->cursor, vals[0],
	    vals[1], xz_opt(vals[2]), xz_opt(vals[3]), limit);
	return (xz_ctx_run(ctx));
}

/*
 * An insert answering (json, version, id, ok) from the asset it refers to:
 * no row, the asset (what, field ref) is not there: 404; ok false, 409
 * not_bookable (why).
 */
static int
deal_created_done(struct xz_ctx *ctx, const char *ref, const char *what,
    const char *why)
{
	struct xz_errors	errs = { 0 };
	PGresult		*res;
	char			loc[96];

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 0) {
		xz_errors_add(&errs, 0, ref, "not_found", "no such %s", what);
		return (xz_problem(ctx, 404, "not_found", "no such resource",
		    &errs));
	}
	if (strcmp(PQgetvalue(res, 0, 3), "t") != 0 || PQgetisnull(res, 0, 0))
		return (xz_problem(ctx, 409, "not_bookable", why, NULL));
	(void)snprintf(loc, sizeof(loc), "%s%s", ctx->location,
	    PQgetvalue(res, 0, 2));
	http_response_header(ctx->req, "location", loc);
	xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_raw(ctx, 201, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

static int
deal_cancel_done(struct xz_ctx *ctx)
{
	PGresult	*res, *chk;

	/* The cancel_final trigger: it was cancelled already. */
	if (ctx->tx->status == XZ_TX_SQL_ERROR &&
	    strcmp(ctx->tx->sqlstate, "55000") == 0)
		return (xz_problem(ctx, 409, "already_cancelled",
		    "it is cancelled already", NULL));
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 1) {
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
		return (xz_reply_raw(ctx, 200, "application/json",
		    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
	}
	chk = xz_tx_result(ctx->tx, ctx->q_check);
	if (PQntuples(chk) == 0)
		return (xz_problem(ctx, 404, "not_found", "no such resource",
		    NULL));
	/* Readable, not updatable: a partner's policy said no. */
	if (strcmp(PQgetvalue(chk, 0, 2), "cancelled") == 0)
		return (xz_problem(ctx, 409, "already_cancelled",
		    "it is cancelled already", NULL));
	return (xz_problem(ctx, 403, "forbidden",
	    "partners cancel only the bookings they made", NULL));
}

/*
 * The body's range object {"from", "to"} under name: from <= to and at
 * most maxdays days long (from and to included) or `years` years.  Writes
 * the dates to from/to (16 bytes each).  Returns 0 when valid.
 */
static int
range_body(struct xz_ctx *ctx, const char *name, int maxdays, int years,
    char *from, char *to, struct xz_errors *errs)
{
	struct xz_errors	sub = { 0 };
	json_t			*r;
	char			ptr[96];
	int			i;

	from[0] = to[0] = '\0';
	if ((r = json_object_get(ctx->body, name)) == NULL)
		return (-1);	/* xz_validate said it is required */
	(void)snprintf(ptr, sizeof(ptr), "/%s", name);
	if (!json_is_object(r)) {
		xz_errors_add(errs, 0, ptr, "type", "%s must be an object "
		    "{\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"}",
		    name);
		return (-1);
	}
	if (xz_validate(r, range_fields, nitems(range_fields), &sub) > 0) {
		for (i = 0; i < sub.count; i++) {
			(void)snprintf(ptr, sizeof(ptr), "/%s%s", name,
			    sub.list[i].where);
			xz_errors_add(errs, 0, ptr, sub.list[i].code, "%s: %s",
			    name, sub.list[i].message);
		}
		return (-1);
	}
	kore_strlcpy(from, json_string_value(json_object_get(r, "from")), 16);
	kore_strlcpy(to, json_string_value(json_object_get(r, "to")), 16);
	(void)snprintf(ptr, sizeof(ptr), "/%s/to", name);
	if (date_days(to) < date_days(from)) {
		xz_errors_add(errs, 0, ptr, "before_from",
		    "%s.to must not be before %s.from", name, name);
		return (-1);
	}
	if (maxdays > 0 && date_days(to) - date_days(from) + 1 > maxdays) {
		xz_errors_add(errs, 0, ptr, "too_long",
		    "%s covers at most %d days", name, maxdays);
		return (-1);
	}
	/* SQL: upper (to + 1) <= from + interval 'years years'. */
	if (years > 0 && date_days(to) + 1 > date_plus_years(from, years)) {
		xz_errors_add(errs, 0, ptr, "too_long",
		    "%s is at most %d years", name, years);
		return (-1);
	}
	return (0);
}

/* Valid dates from and to as parameters: from <= to, to - from <= span. */
static int
range_params(const char *from, const char *to, int span,
    struct xz_errors *errs)
{
	if (!xz_date_valid(from) || !xz_date_valid(to))
		return (-1);
	if (date_days(to) < date_days(from)) {
		xz_errors_add(errs, 1, "to", "before_from",
		    "to must not be before from");
		return (-1);
	}
	if (span >= 0 && date_days(to) - date_days(from) > span) {
		xz_errors_add(errs, 1, "to", "too_long",
		    "to may be at most %d days after from", span);
		return (-1);
	}
	return (0);
}

/* Lower-cases v in place; adds an error unless it is then a UUID. */
static void
uuid_param(char *v, const char *name, struct xz_errors *errs)
{
	size_t		i;

	for (i = 0; v[i] != '\0'; i++)
		v[i] = (char)tolower((unsigned char)v[i]);
	if (!xz_uuid_valid(v))
		xz_errors_add(errs, 1, name, "format", "%s must be a UUID",
		    name);
}

static void
date_param(const char *v, const char *name, struct xz_errors *errs)
{
	if (!xz_date_valid(v))
		xz_errors_add(errs, 1, name, "format",
		    "%s must be a date YYYY-MM-DD", name);
}

static long
date_days(const char *s)
{
	long		y, m, d;

	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	return (xz_days_from_civil(y, m, d));
}

/* The day s + n years as PostgreSQL computes it (29 Feb -> 28 Feb). */
static long
date_plus_years(const char *s, int n)
{
	long		y, m, d;

	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0') + n;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		d = 28;
	return (xz_days_from_civil(y, m, d));
}

