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
    px_test_mah_gln(&t->env, name, gln, t->mah.org, t->mah.key);
    px_test_org_key(&t->env, "mah", "Other MAH", "mah", t->mah2.org, t->mah2.key);
    px_test_regulator(&t->env, "Regulator", market, reg_org, t->reg_key);
    px_test_gtin(t->gtin, n);
    px_test_gtin_own(t->gtin2, n + 1); /* the other MAH numbers under a prefix of its own */
    px_test_product(&t->env, t->mah.key, t->gtin, "Tenant product", market);
    px_test_product(&t->env, t->mah2.key, t->gtin2, "Other tenant's product", market);
}

void px_test_packers_make(px_test_packers *p, const char *name, const char *gtin,
                          const char *cmo_name)
{
    px_test_org_key(&p->env, "mah", name, "mah", p->mah.org, p->mah.key);
    px_test_org_key(&p->env, "mah", "Other MAH", "mah", p->mah2.org, p->mah2.key);
    px_test_product(&p->env, p->mah.key, gtin, "US pack", "US");
    px_test_product(&p->env, p->mah2.key, PX_TEST_OTHER_GTIN, "Other pack", "EU");
    char gtins[32];
    snprintf(gtins, sizeof(gtins), "[\"%s\"]", gtin);
    json_decref(px_test_partner(&p->env, p->mah.key, cmo_name, gtins, p->cmo.org, p->cmo.key));
    /* The MAH's location of DOMAIN-2.md §10.8: SGLN urn:epc:id:sgln:0355154.00000.0. */
    px_test_org_gln(&p->env, p->mah.org, "0355154000001");
}

void px_test_operated_make(px_test_operated *o, const char *name)
{
    char op[64], mah[64];
    snprintf(op, sizeof(op), "%s operator", name);
    snprintf(mah, sizeof(mah), "%s MAH", name);
    px_test_org_key(&o->env, "operator", op, "admin", o->admin.org, o->admin.key);
    px_test_org_key(&o->env, "mah", mah, "mah", o->mah.org, o->mah.key);
}

void px_test_audited_start(px_test_env *env, const char *name, int n, const char *product,
                           char *key, char *gtin)
{
    px_test_setenv(env, "PACKID_AUDIT_CHECKPOINT_INTERVAL=0");
    px_test_server_start(env);
    char org[40];
    px_test_org_key(env, "mah", name, "mah", org, key);
    px_test_gtin(gtin, n);
    px_test_product(env, key, gtin, product, "EU");
}
