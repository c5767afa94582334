/* Shared by the files of service/ only. */
#ifndef PX_SERVICE_INTERNAL_H
#define PX_SERVICE_INTERNAL_H

#include "service.h"

/* px_svc_key_create's body, inside the caller's open transaction (audited). */
px_rc px__key_create_in_tx(px_db *db, const px_actor *by, const char *org_id,
                           const char *role, const char *label,
                           char api_key[PX_API_KEY_LEN + 1], px_key_info *out, px_err *err);

/* The bodies of px_svc_org_create and px_svc_product_create (validation, insert, audit),
 * inside the caller's open transaction. */
px_rc px__org_create_in_tx(px_db *db, const px_app *app, const px_actor *by, px_org *org,
                           px_err *err);
px_rc px__product_create_in_tx(px_db *db, const px_app *app, const px_actor *by,
                               px_product *p, px_err *err);

#endif
