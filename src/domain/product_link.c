#include "product_link.h"

#include <string.h>

#include "dl_resolve.h"
#include "px_str.h"

/* GS1 Web Vocabulary link types a MAH may point to (namespace https://ref.gs1.org/voc/). The
 * healthcare ones first, then the general product ones. */
static const char *const k_settable[] = {
    "pip", "epil", "smpc", "eifu", "recallStatus", "epcis", "traceability", "masterData",
    "safetyInfo", "brandHomepagePatient", "brandHomepageClinical", "support",
    "certificationInfo", "activityIdeas", "consumerHandlingStorageInfo", "faqs",
    "ingredientsInfo", "instructions", "quickStartGuide", "relatedVideo", "registerProduct",
    "reviews", "socialMedia", "tutorial", "whatsInTheBox", "sustainabilityInfo", "promotion",
    NULL};

/* Answered by the resolver itself: the default link is packid's verification page
 * (docs/resolver.md), the verification service is packid's /vrs (docs/verification.md),
 * defaultLinkMulti and handledBy are restricted to resolvers (the GS1 Web Vocabulary), linkset
 * and all name the linkset (the GS1-Conformant Resolver Standard). */
static const char *const k_reserved[] = {"defaultLink", "defaultLinkMulti", "handledBy",
                                         "verificationService", "linkset", "all", NULL};

static int listed(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

int px_link_type_settable(const char *suffix)
{
    return listed(k_settable, suffix);
}

static int alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 3986 §2: unreserved, sub-delims, gen-delims except the brackets of IP literals, and '%'
 * only as a percent-encoding. Quotes, '<', '>', spaces and controls are not in a URI, so an
 * accepted href is safe in an HTML attribute and a Location header as it is. */
static int uri_chars(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (alnum(*p) || strchr("-._~!$&'()*+,;=:/?#@", *p))
            continue;
        if (*p == '%' && px_hexval((unsigned char)p[1]) >= 0 &&
            px_hexval((unsigned char)p[2]) >= 0) {
            p += 2;
            continue;
        }
        return 0;
    }
    return 1;
}

/* An https URL whose host starts with a letter or digit (the GS1 linkset schema's pattern
 * "^https?://[a-zA-z0-9./]+"), with no userinfo (a "https://bank.example@evil.example" link
 * shows one host and opens another), and a port, if any, that a connection can have (RFC 3986
 * §3.2.3 with the 16 bits of TCP: 1 to 65535). */
static int https_url(const char *s)
{
    size_t n = strlen(s);
    if (n < 9 || n > PX_LINK_HREF_MAX || strncmp(s, "https://", 8) != 0 || !uri_chars(s))
        return 0;
    const char *host = s + 8;
    size_t auth = strcspn(host, "/?#");
    size_t name = strcspn(host, ":/?#");
    if (auth == 0 || !alnum(host[0]))
        return 0;
    for (size_t i = 0; i < name; i++)
        if (!alnum(host[i]) && host[i] != '.' && host[i] != '-')
            return 0;
    if (name == auth)
        return 1;
    long port = 0;
    size_t digits = auth - name - 1;
    for (size_t i = name + 1; i < auth; i++) {
        if (host[i] < '0' || host[i] > '9')
            return 0;
        port = port * 10 + (host[i] - '0');
        if (port > 65535)
            return 0;
    }
    return digits > 0 && port > 0;
}

/* Characters of a title: valid UTF-8 (shortest forms, no surrogates), no control character;
 * -1 when it is not such text. */
static long utf8_text_chars(const char *s)
{
    long chars = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int more;
        unsigned cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return -1;
            more = 0;
            cp = c;
        } else if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            cp = c & 0x07;
        } else {
            return -1;
        }
        p++;
        for (int i = 0; i < more; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (*p & 0x3fu);
        }
        if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0x80 && cp < 0xa0))
            return -1; /* overlong, a surrogate, beyond Unicode, or a C1 control */
        chars++;
    }
    return chars;
}

/* "xx" or "xx-XX": ISO 639-1 and an optional ISO 3166-1 region, the form the GS1 linkset
 * schema's hreflang pattern admits. */
static int lang_tag(const char *s)
{
    size_t n = strlen(s);
    if (n != 2 && n != 5)
        return 0;
    if (!(s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'))
        return 0;
    return n == 2 || (s[2] == '-' && s[3] >= 'A' && s[3] <= 'Z' && s[4] >= 'A' && s[4] <= 'Z');
}

/* type "/" subtype in lower case (RFC 6838 §4.2's restricted names, the linkset schema's
 * "\w+/[-+.\w]+"). */
static int media_type(const char *s)
{
    size_t n = strlen(s), slash = strcspn(s, "/");
    if (n > PX_LINK_MEDIA_MAX || slash == 0 || slash + 1 >= n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 (i > slash && (c == '-' || c == '+' || c == '.' || c == '_')) || i == slash;
        if (!ok)
            return 0;
    }
    return 1;
}

px_rc px_link_check(px_product_link *out, const char *type, const char *href, const char *title,
                    const char *lang, const char *media, px_err *err)
{
    memset(out, 0, sizeof(*out));
    /* REQ-LINKS-1: each rule names its member (docs/resolver.md "Links of the MAH"). */
    const char *suffix = px_link_type_suffix(type ? type : "");
    if (listed(k_reserved, suffix))
        return px_err_set_field(err, PX_EINVALID, "reserved_link_type", "link_type",
                                "gs1:%s is answered by packid itself", suffix);
    if (!px_link_type_settable(suffix))
        return px_err_set_field(err, PX_EINVALID, "unknown_link_type", "link_type",
                                "not a GS1 Web Vocabulary link type packid knows");
    if (!href || !https_url(href))
        return px_err_set_field(err, PX_EINVALID, "invalid_url", "href",
                                "href must be an https URL of at most 1024 bytes, with a host, "
                                "no user name and a port (if any) from 1 to 65535");
    long chars = title ? utf8_text_chars(title) : -1;
    if (chars < 1 || chars > PX_LINK_TITLE_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "title",
                                "title must be 1..200 characters of text");
    if (lang && *lang && !lang_tag(lang))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "lang",
                                "lang must be a language code such as en or en-US");
    if (media && *media && !media_type(media))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "media_type",
                                "media_type must be a media type such as application/pdf");
    memcpy(out->type, suffix, strlen(suffix) + 1);
    memcpy(out->href, href, strlen(href) + 1);
    memcpy(out->title, title, strlen(title) + 1);
    if (lang)
        memcpy(out->lang, lang, strlen(lang) + 1 <= sizeof(out->lang) ? strlen(lang) + 1 : 1);
    if (media)
        memcpy(out->media_type, media, strlen(media) + 1);
    return PX_OK;
}
