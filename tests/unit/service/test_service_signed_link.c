/* Signed download links (service/signed_link.c) with the operator's secret, so no database is
 * needed: a minted link checks; a changed id, tag, expiry, format or signature does not; an
 * expired one answers link_expired; a malformed one is refused before any secret is read. And
 * the public base every link starts with (px_app_public_base). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "signed_link.h"

#define ID "3f2a9c1e-8b7d-4e6f-9a01-23456789abcd"

/* One link's test: the app, the link, the error, the link's expires and sig. */
typedef struct {
    px_app app;
    px_export_link l;
    px_err err;
    char expires[24], sig[80];
} fx;

static void app_init(px_app *app, int ttl)
{
    memset(app, 0, sizeof(*app));
    snprintf(app->cfg.link_secret, sizeof(app->cfg.link_secret), "%s",
             "an operator secret of at least thirty-two bytes");
    snprintf(app->cfg.public_url, sizeof(app->cfg.public_url), "https://packid.example.com/");
    app->cfg.public_url_set = 1;
    app->cfg.export_link_ttl = ttl;
}

static void fx_init(fx *f, int ttl)
{
    memset(f, 0, sizeof(*f));
    app_init(&f->app, ttl);
    px_err_clear(&f->err);
}

/* The expires and sig of the minted url. */
static void fx_parts(fx *f)
{
    const char *e = strstr(f->l.url, "?expires=");
    const char *s = strstr(f->l.url, "&sig=");
    assert_non_null(e);
    assert_non_null(s);
    snprintf(f->expires, sizeof(f->expires), "%.*s", (int)(s - e - 9), e + 9);
    snprintf(f->sig, sizeof(f->sig), "%s", s + 5);
}

static void test_signed_link__round_trip(void)
{
    fx f;
    fx_init(&f, 900);
    assert_int_equal(px_svc_link_mint(NULL, &f.app, "carrier-batch", ID,
                                      "/v1/carrier-batches/" ID "/download", &f.l, &f.err),
                     PX_OK);
    static const char want[] =
        "https://packid.example.com/v1/carrier-batches/" ID "/download?expires=";
    assert_int_equal(strncmp(f.l.url, want, sizeof(want) - 1), 0);
    assert_true(f.l.expires_in_ms > 899000 && f.l.expires_in_ms <= 900000);
    fx_parts(&f);
    assert_int_equal(px_svc_link_check(NULL, &f.app, "carrier-batch", ID, f.expires, f.sig, &f.err),
                     PX_OK);

    /* Another kind of object, another id, a later expiry, a changed digit: forbidden. */
    char later[24];
    snprintf(later, sizeof(later), "%lld", atoll(f.expires) + 1);
    char bad_sig[80];
    snprintf(bad_sig, sizeof(bad_sig), "%s", f.sig);
    bad_sig[10] = bad_sig[10] == '0' ? '1' : '0';
    static const char *const tags[] = {"export", "carrier-batch", "carrier-batch", "carrier-batch"};
    const char *const ids[] = {ID, "3f2a9c1e-8b7d-4e6f-9a01-23456789abce", ID, ID};
    const char *const expires[] = {f.expires, f.expires, later, f.expires};
    const char *const sigs[] = {f.sig, f.sig, f.sig, bad_sig};
    for (int i = 0; i < 4; i++) {
        px_err_clear(&f.err);
        if (px_svc_link_check(NULL, &f.app, tags[i], ids[i], expires[i], sigs[i], &f.err) !=
                PX_EFORBIDDEN ||
            strcmp(f.err.code, "forbidden") != 0)
            fail_msg("change %d: the link still opens (%s)", i, f.err.code);
    }
}

static void test_signed_link__format_is_signed(void)
{
    fx f;
    fx_init(&f, 900);
    assert_int_equal(px__link_mint(NULL, &f.app, "export", ID, "csv", "escape", "/x", &f.l, &f.err),
                     PX_OK);
    fx_parts(&f);
    long exp_s = 0;
    assert_true(px__link_shape(f.expires, f.sig, &exp_s));
    static const struct {
        const char *format, *gs_style;
        int ok;
    } v[] = {{"csv", "escape", 1}, {"jsonl", "escape", 0}, {"csv", "tag", 0}};
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        int ok = -1;
        assert_int_equal(px__link_sig_check(NULL, &f.app, "export", ID, exp_s, v[i].format,
                                            v[i].gs_style, f.sig, &ok, &f.err),
                         PX_OK);
        if (ok != v[i].ok)
            fail_msg("%s/%s: signature %s", v[i].format, v[i].gs_style, ok ? "taken" : "refused");
    }
}

static void test_signed_link__expired(void)
{
    fx f;
    fx_init(&f, -5); /* minted five seconds in the past: a link whose time is up */
    assert_int_equal(px_svc_link_mint(NULL, &f.app, "carrier-batch", ID, "/d", &f.l, &f.err),
                     PX_OK);
    fx_parts(&f);
    assert_int_equal(px_svc_link_check(NULL, &f.app, "carrier-batch", ID, f.expires, f.sig, &f.err),
                     PX_EFORBIDDEN);
    assert_string_equal(f.err.code, "link_expired");
}

static void test_signed_link__shape(void)
{
    static const char hex64[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static const struct {
        const char *expires, *sig;
        int ok;
        int line;
    } v[] = {
        {"1790000000", hex64, 1, __LINE__},
        {"0", hex64, 1, __LINE__},
        {"1790000000", "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 0,
         __LINE__}, /* the signature is written in lower case */
        {"1790000000", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", 0,
         __LINE__}, /* 63 digits */
        {"1790000000", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", 0,
         __LINE__}, /* 65 */
        {"1790000000", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", 0,
         __LINE__},
        {"-1", hex64, 0, __LINE__},
        {"01790000000", hex64, 0, __LINE__}, /* the same time spelt otherwise: not as minted */
        {"+1790000000", hex64, 0, __LINE__},
        {"00", hex64, 0, __LINE__},
        {"17900000x0", hex64, 0, __LINE__},
        {"", hex64, 0, __LINE__},
        {"100000000000", hex64, 0, __LINE__}, /* past the year 5138 */
        {NULL, hex64, 0, __LINE__},
        {"1790000000", NULL, 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        long exp_s = 0;
        if (px__link_shape(v[i].expires, v[i].sig, &exp_s) != v[i].ok)
            fail_msg("%s:%d: shape %s", __FILE__, v[i].line, v[i].ok ? "refused" : "taken");
    }
    /* A malformed link is refused before the secret is read (the database is NULL here). */
    px_app app;
    app_init(&app, 900);
    app.cfg.link_secret[0] = '\0';
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_svc_link_check(NULL, &app, "export", ID, "x", hex64, &err), PX_EFORBIDDEN);
    assert_string_equal(err.code, "forbidden");
}

static void test_signed_link__public_base(void)
{
    px_app app;
    app_init(&app, 900);
    char base[256];
    snprintf(app.cfg.public_url, sizeof(app.cfg.public_url), "https://packid.example.com//");
    px_app_public_base(&app, base, sizeof(base));
    assert_string_equal(base, "https://packid.example.com");
    /* Unset: the address the server listens on, its port as bound. */
    app.cfg.public_url_set = 0;
    snprintf(app.cfg.listen_host, sizeof(app.cfg.listen_host), "127.0.0.1");
    app.cfg.listen_port = 41234;
    px_app_public_base(&app, base, sizeof(base));
    assert_string_equal(base, "http://127.0.0.1:41234");
}
