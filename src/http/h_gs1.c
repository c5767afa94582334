/* POST /v1/gs1/parse: what a scanned code says, read by packid's one GS1 parser (docs/api.md
 * "GS1 codes"), so a console or a partner's program keeps no AI table of its own. The answer
 * is `packid gs1 check --json`'s (px_json_gs1_reading). */
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "gs1_ai.h"
#include "handlers.h"
#include "json_shapes.h"
#include "px_calendar.h"
#include "px_clock.h"

/* The ISO date of a date AI's value (YYMMDD or YYMMD0 first: 11, 13, 15, 16, 17, 7003), its
 * century read against year (GenSpecs §7.12); DD=00 is the month's last day. 0 when the AI
 * holds no such date. */
static int element_date(char iso[11], const gs1_ai_def *d, const char *value, int year)
{
    const char *l = d->comp[0].linters;
    if (!l || (strncmp(l, "yymmd0", 6) != 0 && strncmp(l, "yymmdd", 6) != 0) || strlen(value) < 6)
        return 0;
    char six[7];
    memcpy(six, value, 6);
    six[6] = '\0';
    gs1_date date;
    if (gs1_date_parse(&date, six, l[5] == '0', year, NULL) != PX_OK)
        return 0;
    gs1_date_iso(iso, &date);
    return 1;
}

/* An output form of the data, or JSON null when the data has none in that form. */
static json_t *form_json(px_rc rc, const char *text)
{
    return rc == PX_OK ? json_string(text) : json_null();
}

json_t *px_json_gs1_reading(const gs1_elements *e, const char *form, const char *dl_domain,
                            int year)
{
    json_t *list = json_array();
    for (int i = 0; i < e->count; i++) {
        const gs1_ai_def *d = gs1_ai_lookup(e->items[i].ai, strlen(e->items[i].ai));
        json_t *it = json_pack("{s:s, s:s, s:s}", "ai", e->items[i].ai, "title", d->title, "value",
                               e->items[i].value);
        char iso[11];
        if (element_date(iso, d, e->items[i].value, year))
            json_object_set_new(it, "date", json_string(iso));
        json_array_append_new(list, it);
    }
    /* Each form fits the input's limit: data read from at most GS1_INPUT_MAX bytes is written
     * back in as many (a Digital Link's percent-escapes included: 32 values of 90 characters
     * at most three bytes each). The element string and HRI of validated data cannot fail; a
     * Digital Link needs a primary key and only AIs a Digital Link may carry. */
    char *buf = malloc(GS1_INPUT_MAX + 1);
    if (!buf) {
        json_decref(list);
        return NULL;
    }
    json_t *es = form_json(gs1_element_string_format(buf, GS1_INPUT_MAX + 1, e, NULL), buf);
    json_t *hri = form_json(gs1_hri_format(buf, GS1_INPUT_MAX + 1, e, NULL), buf);
    json_t *dl = form_json(gs1_dl_format(buf, GS1_INPUT_MAX + 1, dl_domain, e, NULL), buf);
    free(buf);
    return json_pack("{s:b, s:s, s:o, s:o, s:o, s:o}", "valid", 1, "format", form, "elements", list,
                     "element_string", es, "hri", hri, "digital_link", dl);
}

void h_gs1_parse(px_req *r)
{
    static const char *const allowed[] = {"data", NULL};
    if (px_json_only(r, r->json, allowed) != 0)
        return;
    const char *data = px_json_str(r, r->json, "data", GS1_INPUT_MAX, 1);
    if (px_req_answered(r))
        return;
    gs1_elements e;
    const char *form;
    if (gs1_parse_form(&e, data, &form, &r->err) != PX_OK) {
        px_err_field(&r->err, "data");
        px_reply_error(r, &r->err);
        return;
    }
    json_t *o = px_json_gs1_reading(&e, form, r->app->cfg.dl_domain, px_year_of_us(px_now_us()));
    if (!o)
        px_reply_oom(r);
    else
        px_reply_json(r, 200, o);
}
