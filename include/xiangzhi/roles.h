/*
 * Role sets used by the permission table (app/http/routes.def).
 */
#ifndef XIANGZHI_ROLES_H
#define XIANGZHI_ROLES_H

#include "xiangzhi/auth.h"

#define ALL	(XZ_ROLE_COUNTY | XZ_ROLE_TOWNSHIP | XZ_ROLE_VILLAGE | \
		    XZ_ROLE_PARTNER)
#define CTY	XZ_ROLE_COUNTY
#define TWP	XZ_ROLE_TOWNSHIP
#define OFFICER	(XZ_ROLE_COUNTY | XZ_ROLE_TOWNSHIP)
#define USERS	(XZ_ROLE_COUNTY | XZ_ROLE_TOWNSHIP | XZ_ROLE_VILLAGE)
#define OFFICER_PARTNER	(XZ_ROLE_COUNTY | XZ_ROLE_TOWNSHIP | XZ_ROLE_PARTNER)

#endif
