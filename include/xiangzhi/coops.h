/*
 * Cooperative registries (app/coops).  Every route has a start and a
 * finish handler (xz_<name>, xz_<name>_done): see app/http/routes.def.
 */
#ifndef XIANGZHI_COOPS_H
#define XIANGZHI_COOPS_H

struct xz_ctx;

/* app/coops/coops.c */
void	xz_coops_register(void);
int	xz_coops_list(struct xz_ctx *);
int	xz_coops_list_done(struct xz_ctx *);
int	xz_coops_create(struct xz_ctx *);
int	xz_coops_create_done(struct xz_ctx *);
int	xz_coop_get(struct xz_ctx *);
int	xz_coop_get_done(struct xz_ctx *);
int	xz_coop_patch(struct xz_ctx *);
int	xz_coop_patch_done(struct xz_ctx *);
int	xz_members_list(struct xz_ctx *);
int	xz_members_list_done(struct xz_ctx *);
int	xz_members_create(struct xz_ctx *);
int	xz_members_create_done(struct xz_ctx *);
int	xz_members_search(struct xz_ctx *);
int	xz_members_search_done(struct xz_ctx *);
int	xz_member_get(struct xz_ctx *);
int	xz_member_get_done(struct xz_ctx *);
int	xz_member_patch(struct xz_ctx *);
int	xz_member_patch_done(struct xz_ctx *);

/* app/coops/assets.c */
void	xz_assets_register(void);
int	xz_machines_list(struct xz_ctx *);
int	xz_machines_list_done(struct xz_ctx *);
int	xz_machines_create(struct xz_ctx *);
int	xz_machines_create_done(struct xz_ctx *);
int	xz_machine_get(struct xz_ctx *);
int	xz_machine_get_done(struct xz_ctx *);
int	xz_machine_patch(struct xz_ctx *);
int	xz_machine_patch_done(struct xz_ctx *);
int	xz_parcels_list(struct xz_ctx *);
int	xz_parcels_list_done(struct xz_ctx *);
int	xz_parcels_create(struct xz_ctx *);
int	xz_parcels_create_done(struct xz_ctx *);
int	xz_parcel_get(struct xz_ctx *);
int	xz_parcel_get_done(struct xz_ctx *);
int	xz_parcel_patch(struct xz_ctx *);
int	xz_parcel_patch_done(struct xz_ctx *);
int	xz_houses_list(struct xz_ctx *);
int	xz_houses_list_done(struct xz_ctx *);
int	xz_houses_create(struct xz_ctx *);
int	xz_houses_create_done(struct xz_ctx *);
int	xz_house_get(struct xz_ctx *);
int	xz_house_get_done(struct xz_ctx *);
int	xz_house_patch(struct xz_ctx *);
int	xz_house_patch_done(struct xz_ctx *);
int	xz_teams_list(struct xz_ctx *);
int	xz_teams_list_done(struct xz_ctx *);
int	xz_teams_create(struct xz_ctx *);
int	xz_teams_create_done(struct xz_ctx *);
int	xz_team_get(struct xz_ctx *);
int	xz_team_get_done(struct xz_ctx *);
int	xz_team_patch(struct xz_ctx *);
int	xz_team_patch_done(struct xz_ctx *);
int	xz_skills_list(struct xz_ctx *);
int	xz_skills_list_done(struct xz_ctx *);
int	xz_skills_put(struct xz_ctx *);
int	xz_skills_put_done(struct xz_ctx *);

/* app/coops/deals.c */
void	xz_deals_register(void);
int	xz_bookings_list(struct xz_ctx *);
int	xz_bookings_list_done(struct xz_ctx *);
int	xz_bookings_create(struct xz_ctx *);
int	xz_bookings_create_done(struct xz_ctx *);
int	xz_booking_get(struct xz_ctx *);
int	xz_booking_get_done(struct xz_ctx *);
int	xz_booking_cancel(struct xz_ctx *);
int	xz_booking_cancel_done(struct xz_ctx *);
int	xz_transfers_list(struct xz_ctx *);
int	xz_transfers_list_done(struct xz_ctx *);
int	xz_transfers_create(struct xz_ctx *);
int	xz_transfers_create_done(struct xz_ctx *);
int	xz_transfer_get(struct xz_ctx *);
int	xz_transfer_get_done(struct xz_ctx *);
int	xz_transfer_cancel(struct xz_ctx *);
int	xz_transfer_cancel_done(struct xz_ctx *);
int	xz_leases_list(struct xz_ctx *);
int	xz_leases_list_done(struct xz_ctx *);
int	xz_leases_create(struct xz_ctx *);
int	xz_leases_create_done(struct xz_ctx *);
int	xz_lease_get(struct xz_ctx *);
int	xz_lease_get_done(struct xz_ctx *);
int	xz_lease_cancel(struct xz_ctx *);
int	xz_lease_cancel_done(struct xz_ctx *);
int	xz_availability_machines(struct xz_ctx *);
int	xz_availability_machines_done(struct xz_ctx *);
int	xz_availability_labour(struct xz_ctx *);
int	xz_availability_labour_done(struct xz_ctx *);
int	xz_coops_report(struct xz_ctx *);
int	xz_coops_report_done(struct xz_ctx *);

#endif
