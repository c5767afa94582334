/* Unit tests for domain/product_link: the rules of a MAH's extra links (REQ-LINKS-1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "product_link.h"
#include "px_array.h"

/* REQ-LINKS-1: a settable GS1 link type (any of its spellings), an https URL with a host and no
 * user name, a title of 1..200 characters of text, an optional xx / xx-XX language and media
 * type; each refusal names its member and rule. */
static void test_domain__product_link_check(void)
{
    char long_url[1100], long_title[700], max_title[700];
    memcpy(long_url, "https://a.example/", 18);
    memset(long_url + 18, 'x', 1024 - 18 + 1); /* 1025 bytes */
    long_url[1025] = '\0';
    memset(long_title, 'T', 201);
    long_title[201] = '\0';
    /* 200 characters of two bytes each ("é"): the limit counts characters, not bytes. */
    for (int i = 0; i < 200; i++)
        memcpy(max_title + 2 * i, "\xc3\xa9", 2);
    max_title[400] = '\0';
    static const char *const ok_url = "https://pharma.example.com/examplamab/pil.pdf";
    const struct {
        const char *type, *href, *title, *lang, *media;
        const char *code, *field, *suffix;
        int line;
    } v[] = {
        {"gs1:pip", ok_url, "Product information", "en", "text/html", "", "", "pip", __LINE__},
        {"epil", ok_url, "Leaflet", NULL, NULL, "", "", "epil", __LINE__},
        {"https://ref.gs1.org/voc/smpc", ok_url, "SmPC", "de-DE", "application/pdf", "", "", "smpc",
         __LINE__},
        {"https://gs1.org/voc/recallStatus", "https://api.example.com/recall?gtin=1&x=%20",
         "Recall", "", "", "", "", "recallStatus", __LINE__},
        {"gs1:pip", "https://a.example:8443", "Port", NULL, NULL, "", "", "pip", __LINE__},
        {"gs1:pip", "https://a.example:65535/x", "Port", NULL, NULL, "", "", "pip", __LINE__},
        {"gs1:pip", ok_url, max_title, NULL, NULL, "", "", "pip", __LINE__},
        {"gs1:pip", ok_url, "Información del producto", "es", NULL, "", "", "pip", __LINE__},
        {"gs1:defaultLink", ok_url, "t", NULL, NULL, "reserved_link_type", "link_type", "",
         __LINE__},
        {"verificationService", ok_url, "t", NULL, NULL, "reserved_link_type", "link_type", "",
         __LINE__},
        {"gs1:handledBy", ok_url, "t", NULL, NULL, "reserved_link_type", "link_type", "", __LINE__},
        {"gs1:linkset", ok_url, "t", NULL, NULL, "reserved_link_type", "link_type", "", __LINE__},
        {"gs1:nosuchlt", ok_url, "t", NULL, NULL, "unknown_link_type", "link_type", "", __LINE__},
        {"gs1:PIP", ok_url, "t", NULL, NULL, "unknown_link_type", "link_type", "", __LINE__},
        {"schema:url", ok_url, "t", NULL, NULL, "unknown_link_type", "link_type", "", __LINE__},
        {"", ok_url, "t", NULL, NULL, "unknown_link_type", "link_type", "", __LINE__},
        {NULL, ok_url, "t", NULL, NULL, "unknown_link_type", "link_type", "", __LINE__},
        {"pip", "http://pharma.example.com/", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https://", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https:///path", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https://-a.example/", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https://bank.example@evil.example/", "t", NULL, NULL, "invalid_url", "href", "",
         __LINE__},
        {"pip", "https://a.example/x y", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https://a.example/\"><script>", "t", NULL, NULL, "invalid_url", "href", "",
         __LINE__},
        {"pip", "https://a.example/%zz", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        /* a port no connection can have (accepted before, found from outside), or none */
        {"pip", "https://a.example:99999/", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https://a.example:0/", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https://a.example:/", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https://a.example:80:81/", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "https://a.example/\nx", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", "javascript:alert(1)", "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", long_url, "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", NULL, "t", NULL, NULL, "invalid_url", "href", "", __LINE__},
        {"pip", ok_url, "", NULL, NULL, "invalid_value", "title", "", __LINE__},
        {"pip", ok_url, NULL, NULL, NULL, "invalid_value", "title", "", __LINE__},
        {"pip", ok_url, long_title, NULL, NULL, "invalid_value", "title", "", __LINE__},
        {"pip", ok_url, "a\tb", NULL, NULL, "invalid_value", "title", "", __LINE__},
        {"pip", ok_url, "bad \xc3(", NULL, NULL, "invalid_value", "title", "", __LINE__},
        {"pip", ok_url, "overlong \xc0\xaf", NULL, NULL, "invalid_value", "title", "", __LINE__},
        {"pip", ok_url, "surrogate \xed\xa0\x80", NULL, NULL, "invalid_value", "title", "",
         __LINE__},
        {"pip", ok_url, "c1 \xc2\x85", NULL, NULL, "invalid_value", "title", "", __LINE__},
        {"pip", ok_url, "t", "english", NULL, "invalid_value", "lang", "", __LINE__},
        {"pip", ok_url, "t", "EN", NULL, "invalid_value", "lang", "", __LINE__},
        {"pip", ok_url, "t", "en-us", NULL, "invalid_value", "lang", "", __LINE__},
        {"pip", ok_url, "t", "en_US", NULL, "invalid_value", "lang", "", __LINE__},
        {"pip", ok_url, "t", NULL, "pdf", "invalid_value", "media_type", "", __LINE__},
        {"pip", ok_url, "t", NULL, "Application/PDF", "invalid_value", "media_type", "", __LINE__},
        {"pip", ok_url, "t", NULL, "text/", "invalid_value", "media_type", "", __LINE__},
        {"pip", ok_url, "t", NULL, "/html", "invalid_value", "media_type", "", __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_err err = PX_ERR_INIT;
        px_product_link l;
        px_rc rc = px_link_check(&l, v[i].type, v[i].href, v[i].title, v[i].lang, v[i].media,
                                 &err);
        int want_ok = v[i].code[0] == '\0';
        if ((rc == PX_OK) != want_ok || strcmp(err.code, v[i].code) != 0 ||
            strcmp(err.field, v[i].field) != 0 || (want_ok && strcmp(l.type, v[i].suffix) != 0))
            fail_msg("%s:%d: rc %d code '%s' field '%s' type '%s'", __FILE__, v[i].line, (int)rc,
                     err.code, err.field, l.type);
        if (want_ok) {
            assert_string_equal(l.href, v[i].href);
            assert_string_equal(l.title, v[i].title);
            assert_string_equal(l.lang, v[i].lang ? v[i].lang : "");
            assert_string_equal(l.media_type, v[i].media ? v[i].media : "");
        }
    }
}

/* The settable list holds the healthcare link types of DOMAIN-2.md §12.2 and none that the
 * resolver answers itself. */
static void test_domain__product_link_types(void)
{
    static const char *const yes[] = {"pip", "epil", "smpc", "eifu", "recallStatus", "epcis",
                                      "traceability", "masterData", "safetyInfo", "support",
                                      "certificationInfo", "brandHomepagePatient",
                                      "brandHomepageClinical"};
    static const char *const no[] = {"defaultLink", "defaultLinkMulti", "handledBy",
                                     "verificationService", "linkset", "all", "", "gs1:pip"};
    for (size_t i = 0; i < PX_COUNT(yes); i++)
        if (!px_link_type_settable(yes[i]))
            fail_msg("%s should be settable", yes[i]);
    for (size_t i = 0; i < PX_COUNT(no); i++)
        if (px_link_type_settable(no[i]))
            fail_msg("%s should not be settable", no[i]);
}
