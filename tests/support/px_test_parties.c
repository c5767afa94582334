/* The parties several integration programs start from (tests/README.md): the same tenants,
 * keys and products written once, each program adding what is its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "px_test.h"

void px_test_tenants_make(px_test_tenants *t, const char *name, const char *gln, const char *market,
                          int n)
{
    char reg_org[40];
    px_test_mah_gln(&t->env, name, gln, t->mah_org, t->mah_key);
    px_test_org_key(&t->env, "mah", "Other MAH", "mah", t->mah2_org, t->mah2_key);
    px_test_regulator(&t->env, "Regulator", market, reg_org, t->reg_key);
    px_test_gtin(t->gtin, n);
    px_test_gtin(t->gtin2, n + 1);
    px_test_product(&t->env, t->mah_key, t->gtin, "Tenant product", market);
    px_test_product(&t->env, t->mah2_key, t->gtin2, "Other tenant's product", market);
}

void px_test_packers_make(px_test_packers *p, const char *name, const char *gtin,
                          const char *cmo_name)
{
    px_test_org_key(&p->env, "mah", name, "mah", p->mah_org, p->mah_key);
    px_test_org_key(&p->env, "mah", "Other MAH", "mah", p->mah2_org, p->mah2_key);
    px_test_product(&p->env, p->mah_key, gtin, "US pack", "US");
    px_test_product(&p->env, p->mah2_key, PX_TEST_OTHER_GTIN, "Other pack", "EU");
    char gtins[32];
    snprintf(gtins, sizeof(gtins), "[\"%s\"]", gtin);
    json_decref(px_test_partner(&p->env, p->mah_key, cmo_name, gtins, p->cmo_org, p->cmo_key));
    /* The MAH's location of DOMAIN-2.md §10.8: SGLN urn:epc:id:sgln:0355154.00000.0. */
    px_test_org_gln(&p->env, p->mah_org, "0355154000001");
}

void px_test_operated_make(px_test_operated *o, const char *name)
{
    char op[64], mah[64];
    snprintf(op, sizeof(op), "%s operator", name);
    snprintf(mah, sizeof(mah), "%s MAH", name);
    px_test_org_key(&o->env, "operator", op, "admin", o->admin_org, o->admin_key);
    px_test_org_key(&o->env, "mah", mah, "mah", o->mah_org, o->mah_key);
}
