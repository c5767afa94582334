/* Webhook deliveries end to end: events queued with px_svc_webhook_enqueue (linked from
 * service/, as other use cases call it inside their transactions) into the test database while
 * `packid serve` runs its workers; a local receiver checks what arrives — exactly one POST per
 * event, signed (verified with the openssl command, an outside oracle), retried after a 500,
 * never sent again after a success, dead after the last attempt, listed newest first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_cursor.h"
#include "px_receiver.h"
#include "px_test.h"
#include "webhook.h"
#include "webhook_store.h"

#define SECRET "hook-secret-abcdefghijklmnop"
#define EVENT_ID "0b5c5a52-3f1c-4f5e-9d7e-8a1b2c3d4e5f" /* an event's id written by a test */

/* ---- fixture ----------------------------------------------------------------------------- */

typedef struct {
    px_test_env env;
    px_receiver rv;
    px_db *db; /* the test's own connection to the server's database */
    px_test_party mah, mah2;
} fixture;

static void put_webhook_of(fixture *f, const char *key, int port)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"url\":\"http://127.0.0.1:%d/hook\",\"secret\":\"" SECRET "\","
             "\"events\":[\"report.dead\",\"clone.suspected\"]}",
             port);
    json_decref(px_http_expect(&f->env, "PUT", "/v1/webhook", key, body, NULL, 200, NULL));
}

static void put_webhook(fixture *f, int port)
{
    put_webhook_of(f, f->mah.key, port);
}

/* A refused event names its item (events[i], with its index), as every list's refusal does. */
static void test_webhook__refused_event_names_its_item(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *events, *code;
        long index;
    } bad[] = {{"[\"job.failed\",\"job.failed\"]", "duplicate_event", 1},
               {"[\"report.dead\",\"job.*\"]", "invalid_event", 1}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char body[256], field[16];
        snprintf(body, sizeof(body),
                 "{\"url\":\"http://127.0.0.1:1/hook\",\"secret\":\"" SECRET "\",\"events\":%s}",
                 bad[i].events);
        snprintf(field, sizeof(field), "events[%ld]", bad[i].index);
        json_t *j = px_http_expect(&f->env, "PUT", "/v1/webhook", f->mah.key, body, NULL, 422,
                                   "validation_error");
        px_expect_detail(j, 0, bad[i].index, bad[i].code, field);
        json_decref(j);
    }
}

static int setup(void **state)
{
    fixture *f = px_receiver_fixture_new(sizeof(*f));
    /* The receiver, and port 1 where nothing listens (the dead-letter test). */
    px_receiver_allow(&f->env, f->rv.port, 1);
    static const char *const settings[] = {
        "PACKID_DELIVERY_BACKOFF_MS=100",
        "PACKID_DELIVERY_BACKOFF_MAX_MS=400",
        "PACKID_DELIVERY_TIMEOUT_MS=1500",
        "PACKID_DELIVERY_MAX_ATTEMPTS=3",
        NULL,
    };
    px_test_setenv_list(&f->env, settings);
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Hook MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_key(&f->env, "mah", "Quiet MAH", "mah", f->mah2.org, f->mah2.key);
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_db_connect(&f->db, f->env.conninfo, &err), PX_OK);
    put_webhook(f, f->rv.port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    px_db_close(f->db);
    return px_receiver_fixture_teardown(state);
}

typedef struct {
    const char *tenant, *event, *data;
} enqueue_ctx;

static px_rc enqueue_body(px_tx *tx, void *vc, px_err *err)
{
    enqueue_ctx *c = vc;
    return px_svc_webhook_enqueue(tx, c->tenant, c->event, c->data, err);
}

/* Queues one event in its own transaction, as a use case would inside its own. */
static px_rc enqueue(fixture *f, const char *tenant, const char *event, const char *data)
{
    enqueue_ctx c = {tenant, event, data};
    px_err err = PX_ERR_INIT;
    return px_tx_run(f->db, NULL, enqueue_body, &c, &err);
}

static long long deliveries(fixture *f, const char *where)
{
    return px_count_of(&f->env, "SELECT count(*) FROM webhook_delivery WHERE %s", where);
}

/* Polls until the delivery of event is in state want (fails after 60 s). */
static void wait_state(fixture *f, const char *event, const char *want, char id[40])
{
    char sql[256], got[64];
    snprintf(sql, sizeof(sql),
             "SELECT id || ' ' || state FROM webhook_delivery WHERE event = '%s' "
             "ORDER BY created_at DESC LIMIT 1",
             event);
    for (int i = 0; i < 600; i++) {
        px_sql_text(&f->env, sql, got, sizeof(got));
        const char *sp = strchr(got, ' ');
        if (sp && strcmp(sp + 1, want) == 0) {
            snprintf(id, 40, "%.*s", (int)(sp - got), got);
            return;
        }
        px_sleep_ms(100);
    }
    fail_msg("delivery of %s never reached %s (last: %s)", event, want, got);
}

/* The outside oracle: `openssl dgst -sha256 -hmac` over the exact body received. */
static void openssl_signature(const char *body, char out[80])
{
    char line[256];
    px_test_pipe("openssl dgst -sha256 -hmac '" SECRET "' -r", body, strlen(body), line,
                 sizeof(line));
    snprintf(out, 80, "sha256=%.64s", line);
}

static void check_signed(const px_received *h)
{
    char want[80];
    openssl_signature(h->body, want);
    assert_string_equal(h->signature, want);
}

/* REQ-HOOK-1: one event, one signed POST, and never again after its success. */
static void test_webhook__delivered_once_signed(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    long long before = deliveries(f, "true");
    /* not subscribed, no webhook, not an event, not an object: nothing queued */
    assert_int_equal(enqueue(f, f->mah.org, "report.failed", "{}"), PX_OK);
    assert_int_equal(enqueue(f, f->mah2.org, "report.dead", "{}"), PX_OK);
    assert_int_equal(enqueue(f, f->mah.org, "pack.eaten", "{}"), PX_EINVALID);
    assert_int_equal(enqueue(f, f->mah.org, "report.dead", "[1]"), PX_EINVALID);
    /* text that is not JSON is the caller's bug: its transaction fails, nothing is queued */
    assert_int_not_equal(enqueue(f, f->mah.org, "report.dead", "{\"x\":"), PX_OK);
    assert_int_equal(deliveries(f, "true"), before);

    assert_int_equal(enqueue(f, f->mah.org, "report.dead",
                             "{\"report_id\":\"r-1\",\"market\":\"DE\",\"note\":\"caf\\u00e9\"}"),
                     PX_OK);
    char id[40];
    wait_state(f, "report.dead", "delivered", id);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    const px_received *h = &f->rv.req[0];
    check_signed(h);
    assert_string_equal(h->doc_id, id);
    json_error_t je;
    json_t *b = json_loads(h->body, 0, &je);
    assert_non_null(b);
    assert_string_equal(px_test_str(b, "id"), id);
    assert_string_equal(px_test_str(b, "event"), "report.dead");
    assert_non_null(json_string_value(json_object_get(b, "created_at")));
    json_t *data = json_object_get(b, "data");
    assert_string_equal(px_test_str(data, "report_id"), "r-1");
    assert_string_equal(px_test_str(data, "note"), "caf\xc3\xa9");
    json_decref(b);
    char where[96];
    snprintf(where, sizeof(where), "id = '%s' AND attempts = 1", id);
    assert_int_equal(deliveries(f, where), 1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_attempt WHERE delivery_id = '%s' AND "
                    "outcome = 'delivered' AND http_status = 200",
                    id);
    /* a later event still goes out while the delivered one stays delivered: when the second
     * has arrived the worker has passed over the first again and did not send it */
    assert_int_equal(enqueue(f, f->mah.org, "clone.suspected", "{\"n\":1}"), PX_OK);
    char id2[40];
    wait_state(f, "clone.suspected", "delivered", id2);
    assert_int_equal(px_receiver_count(&f->rv), 2);
    assert_string_equal(f->rv.req[1].doc_id, id2);
    assert_int_equal(deliveries(f, where), 1);
}

/* REQ-HOOK-2: a 500 is retried with the same bytes; the success ends it. */
static void test_webhook__retried_after_500(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 1, 0);
    assert_int_equal(enqueue(f, f->mah.org, "clone.suspected", "{\"n\":2}"), PX_OK);
    char id[40];
    wait_state(f, "clone.suspected", "delivered", id);
    assert_int_equal(px_receiver_count(&f->rv), 2);
    assert_string_equal(f->rv.req[0].body, f->rv.req[1].body);
    check_signed(&f->rv.req[0]);
    check_signed(&f->rv.req[1]);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT string_agg(coalesce(http_status, 0) || ':' || outcome, ',' ORDER BY n) "
             "FROM webhook_attempt WHERE delivery_id = '%s'",
             id);
    char got[64];
    px_sql_text(&f->env, sql, got, sizeof(got));
    assert_string_equal(got, "500:retry,200:delivered");
    /* the list shows it: state, attempts */
    json_t *l = px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?first=1", f->mah.key, NULL,
                               NULL, 200, NULL);
    json_t *d = json_array_get(json_object_get(l, "items"), 0);
    assert_string_equal(px_test_str(d, "delivery_id"), id);
    assert_string_equal(px_test_str(d, "state"), "delivered");
    assert_int_equal(px_test_int(d, "attempts"), 2);
    json_decref(l);
}

/* REQ-HOOK-3: an unreachable webhook ends dead after PACKID_DELIVERY_MAX_ATTEMPTS, the last
 * error kept for the MAH to see. */
static void test_webhook__dead_after_max_attempts(void **state)
{
    fixture *f = *state;
    put_webhook(f, 1); /* port 1 on loopback: nothing listens */
    assert_int_equal(enqueue(f, f->mah.org, "report.dead", "{\"n\":3}"), PX_OK);
    char id[40];
    wait_state(f, "report.dead", "dead", id);
    json_t *l = px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?first=1", f->mah.key, NULL,
                               NULL, 200, NULL);
    json_t *d = json_array_get(json_object_get(l, "items"), 0);
    assert_string_equal(px_test_str(d, "delivery_id"), id);
    assert_int_equal(px_test_int(d, "attempts"), 3);
    assert_true(json_is_string(json_object_get(d, "last_error")));
    json_decref(l);
    /* Found by its state, the delivered ones after it not paged through; counted by state in
     * /metrics, read from the database (as every process and a restart see it). */
    for (int i = 0; i < 3; i++)
        px_sqlf(&f->env,
                "INSERT INTO webhook_delivery (tenant_id, event, body, state) VALUES ('%s', "
                "'report.dead', '{}', 'delivered')",
                f->mah.org);
    l = px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?state=dead&first=1", f->mah.key,
                       NULL, NULL, 200, NULL);
    d = json_array_get(json_object_get(l, "items"), 0);
    assert_string_equal(px_test_str(d, "delivery_id"), id);
    assert_string_equal(px_test_str(d, "state"), "dead");
    json_decref(l);
    json_decref(px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?state=gone", f->mah.key,
                               NULL, NULL, 422, "validation_error"));
    assert_true(px_test_metric(&f->env, "packid_webhook_deliveries{state=\"dead\"}") >= 1);
    /* The dead attempt is an error line with the classified code and libcurl's own words, as
     * a report delivery's. */
    assert_true(px_test_log_has(&f->env, "\"level\":\"error\"", id));
    assert_true(px_test_log_has(&f->env, "\"code\":\"connect_failed\"", id));
    assert_true(px_test_log_has(&f->env, "\"detail\":\"", id));

    /* Repaired through the API (docs/webhooks.md "Retrying a dead delivery"): another MAH's
     * retry finds nothing; without a webhook nothing would receive it, so it is refused now;
     * with one, a new delivery sends the same body, the dead one stays; once only. */
    char path[160];
    snprintf(path, sizeof(path), "/v1/webhook/deliveries/%s/retry", id);
    json_decref(px_http_expect(&f->env, "POST", path, f->mah2.key, NULL, NULL, 404, "not_found"));
    json_decref(
        px_http_expect(&f->env, "DELETE", "/v1/webhook", f->mah.key, NULL, NULL, 200, NULL));
    json_decref(px_http_expect(&f->env, "POST", path, f->mah.key, NULL, NULL, 409, "no_webhook"));
    put_webhook(f, f->rv.port);
    px_receiver_reset(&f->rv, 0, 0);
    json_t *rt = px_http_expect(&f->env, "POST", path, f->mah.key, NULL, NULL, 202, NULL);
    assert_string_equal(px_test_str(rt, "retry_of"), id);
    assert_string_equal(px_test_str(rt, "state"), "queued");
    char retry_id[40];
    snprintf(retry_id, sizeof(retry_id), "%s", px_test_str(rt, "delivery_id"));
    json_decref(rt);
    assert_string_not_equal(retry_id, id);
    assert_int_equal(px_count_soon(&f->env, 100,
                                   "SELECT count(*) FROM webhook_delivery WHERE id = '%s' AND "
                                   "state = 'delivered'",
                                   retry_id),
                     1);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    char body[512];
    px_sql_textf(&f->env, body, sizeof(body), "SELECT body FROM webhook_delivery WHERE id = '%s'",
                 id);
    assert_int_equal(f->rv.req[0].len, strlen(body));
    assert_memory_equal(f->rv.req[0].body, body, strlen(body));
    /* The event's id, as the body's: a receiver that drops repeats by X-Packid-Document-Id
     * drops the retry of an event it handled (docs/webhooks.md "What is sent"). */
    assert_string_equal(f->rv.req[0].doc_id, id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_delivery WHERE id = '%s' AND state "
                    "= 'dead'",
                    id);
    json_decref(
        px_http_expect(&f->env, "POST", path, f->mah.key, NULL, NULL, 409, "already_retried"));
    /* Repaired: the dead one names its retry and is listed among those retried, not among
     * those waiting for one; /metrics no longer counts it dead. */
    l = px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?state=dead&retried=true", f->mah.key,
                       NULL, NULL, 200, NULL);
    d = json_array_get(json_object_get(l, "items"), 0);
    assert_string_equal(px_test_str(d, "delivery_id"), id);
    assert_string_equal(px_test_str(d, "retried_by"), retry_id);
    json_decref(l);
    l = px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?state=dead&retried=false",
                       f->mah.key, NULL, NULL, 200, NULL);
    for (size_t i = 0; i < json_array_size(json_object_get(l, "items")); i++)
        assert_string_not_equal(
            px_test_str(json_array_get(json_object_get(l, "items"), i), "delivery_id"), id);
    json_decref(l);
    assert_int_equal(px_count_of(&f->env, "SELECT count(*) FROM webhook_delivery d WHERE "
                                          "d.state = 'dead' AND NOT EXISTS (SELECT 1 FROM "
                                          "webhook_delivery k WHERE k.retry_of = d.id)"),
                     px_test_metric(&f->env, "packid_webhook_deliveries{state=\"dead\"}"));
    json_decref(px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?retried=1", f->mah.key, NULL,
                               NULL, 422, "validation_error"));
    snprintf(path, sizeof(path), "/v1/webhook/deliveries/%s/retry", retry_id);
    json_decref(
        px_http_expect(&f->env, "POST", path, f->mah.key, NULL, NULL, 409, "invalid_state"));
    json_decref(px_http_expect(&f->env, "POST", "/v1/webhook/deliveries/nope/retry", f->mah.key,
                               NULL, NULL, 404, "not_found"));
    assert_int_equal(px_audit_count(&f->env, "webhook.retry", id), 1);
}

/* Queues a delivery of event (body) by SQL, tried `tried` times before (each a POST that
 * failed), and waits until it is dead: never sent, at its next claim, with the error why,
 * logged at error level. No attempt is counted for it (an attempt is a POST): its attempts
 * stay the ones tried, as GET /v1/webhook/deliveries answers, and no attempt row is added. */
static void ends_dead_unsent(fixture *f, const char *event, const char *body, int tried,
                             const char *why)
{
    px_sqlf(&f->env,
            "INSERT INTO webhook_delivery (tenant_id, event, body, attempts) VALUES ('%s', '%s', "
            "'%s', %d)",
            f->mah.org, event, body, tried);
    char id[40];
    wait_state(f, event, "dead", id);
    assert_int_equal(px_receiver_count(&f->rv), 0);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_delivery WHERE id = '%s' AND attempts = %d AND "
                    "last_error = '%s'",
                    id, tried, why);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM webhook_attempt WHERE delivery_id = '%s'",
                    id);
    json_t *l = px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?state=dead", f->mah.key,
                               NULL, NULL, 200, NULL);
    json_t *items = json_object_get(l, "items");
    json_t *d = NULL;
    for (size_t i = 0; i < json_array_size(items) && !d; i++)
        if (strcmp(px_test_str(json_array_get(items, i), "delivery_id"), id) == 0)
            d = json_array_get(items, i);
    assert_non_null(d);
    assert_int_equal(json_integer_value(json_object_get(d, "attempts")), tried);
    assert_string_equal(px_test_str(d, "last_error"), why);
    json_decref(l);
    assert_true(px_test_log_has(&f->env, "\"level\":\"error\"", id));
}

/* A delivery queued before the webhook stopped subscribing to its event (here queued by
 * SQL, as the runner would otherwise send it before the change) is not sent to a receiver
 * that said it no longer wants it: dead at once with the reason, logged at error level, no
 * attempt counted; a removed webhook's likewise, its earlier tries kept as they were. */
static void test_webhook__unsubscribed_event_not_sent(void **state)
{
    fixture *f = *state;
    put_webhook(f, f->rv.port); /* report.dead and clone.suspected */
    px_receiver_reset(&f->rv, 0, 0);
    ends_dead_unsent(f, "job.failed", "{\"n\":7}", 0,
                     "the webhook no longer subscribes to job.failed");
    json_decref(
        px_http_expect(&f->env, "DELETE", "/v1/webhook", f->mah.key, NULL, NULL, 200, NULL));
    ends_dead_unsent(f, "report.dead", "{\"n\":8}", 2, "the webhook was removed");
    put_webhook(f, f->rv.port);
}

/* A delivery goes out under its event's id as its row names it (migration 0221), not as read
 * back from the body's text: a body that does not begin with its id still carries the event's
 * id in X-Packid-Document-Id. */
static void test_webhook__sent_under_the_rows_event_id(void **state)
{
    fixture *f = *state;
    px_receiver_reset(&f->rv, 0, 0);
    px_sqlf(&f->env,
            "INSERT INTO webhook_delivery (tenant_id, event, body, event_id) VALUES ('%s', "
            "'clone.suspected', '{\"event\":\"clone.suspected\",\"id\":\"" EVENT_ID
            "\"}', '" EVENT_ID "')",
            f->mah.org);
    char id[40];
    wait_state(f, "clone.suspected", "delivered", id);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    assert_string_equal(f->rv.req[0].doc_id, EVENT_ID);
}

/* The deliveries list pages newest first across pages; another MAH sees none of them. */
static void test_webhook__deliveries_paging(void **state)
{
    fixture *f = *state;
    long long total = deliveries(f, "true");
    assert_true(total >= 4);
    char path[512];
    snprintf(path, sizeof(path), "/v1/webhook/deliveries?first=%lld", total - 1);
    json_t *p1 = px_http_expect(&f->env, "GET", path, f->mah.key, NULL, NULL, 200, NULL);
    json_t *items = json_object_get(p1, "items");
    assert_int_equal((long long)json_array_size(items), total - 1);
    assert_true(json_is_true(json_object_get(p1, "has_next_page")));
    const char *cur = json_string_value(json_object_get(p1, "next_cursor"));
    assert_non_null(cur);
    snprintf(path, sizeof(path), "/v1/webhook/deliveries?first=%lld&after=%s", total, cur);
    json_t *p2 = px_http_expect(&f->env, "GET", path, f->mah.key, NULL, NULL, 200, NULL);
    json_t *items2 = json_object_get(p2, "items");
    assert_int_equal(json_array_size(items2), 1);
    assert_true(json_is_false(json_object_get(p2, "has_next_page")));
    /* newest first, every row once: the order of the database's (created_at, id) */
    char want[40];
    px_sql_textf(&f->env, want, sizeof(want),
                 "SELECT id FROM webhook_delivery ORDER BY created_at, id LIMIT 1");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(items2, 0), "delivery_id")), want);
    px_sql_textf(&f->env, want, sizeof(want),
                 "SELECT id FROM webhook_delivery ORDER BY created_at DESC, id DESC LIMIT 1");
    assert_string_equal(px_test_str(json_array_get(items, 0), "delivery_id"), want);
    json_decref(p1);
    json_decref(p2);
    json_t *other = px_http_expect(&f->env, "GET", "/v1/webhook/deliveries", f->mah2.key, NULL,
                                   NULL, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(other, "items")), 0);
    json_decref(other);
    json_decref(px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?after=garbage", f->mah.key,
                               NULL, NULL, 400, "bad_request"));
    /* Another tenant's delivery id is no cursor of this tenant's list: a page after it is
     * empty, never "this tenant's rows older than that row" (which would tell that the id
     * exists, and when it was made). */
    px_sqlf(&f->env,
            "INSERT INTO webhook_delivery (tenant_id, event, body, state, created_at) VALUES "
            "('%s', 'report.dead', '{}', 'delivered', now() - interval '1 day')",
            f->mah2.org);
    /* The cursor after the MAH's newest, as its own list gives it. */
    json_t *first = px_http_expect(&f->env, "GET", "/v1/webhook/deliveries?first=1", f->mah.key,
                                   NULL, NULL, 200, NULL);
    char cursor[160];
    px_test_pct_encode(cursor, sizeof(cursor), px_test_str(first, "next_cursor"));
    json_decref(first);
    snprintf(path, sizeof(path), "/v1/webhook/deliveries?after=%s", cursor);
    json_t *foreign = px_http_expect(&f->env, "GET", path, f->mah2.key, NULL, NULL, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(foreign, "items")), 0);
    json_decref(foreign);
}

/* A secret is bounded in bytes, as the API says and the database now checks too (migration
 * 0210): eight two-byte characters are 16 bytes, a secret (it was a 500: the table counted
 * characters). */
static void test_webhook__secret_in_bytes(void **state)
{
    fixture *f = *state;
    char body[256];
    snprintf(
        body, sizeof(body),
        "{\"url\":\"http://127.0.0.1:%d/hook\",\"secret\":\"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
        "\u00e9\u00e9\",\"events\":[\"report.dead\"]}",
        f->rv.port);
    json_decref(px_http_expect(&f->env, "PUT", "/v1/webhook", f->mah2.key, body, NULL, 200, NULL));
    json_decref(
        px_http_expect(&f->env, "DELETE", "/v1/webhook", f->mah2.key, NULL, NULL, 200, NULL));
}

/* A URL's query may carry the receiver's token (some authenticate that way): the webhook's
 * answers show it redacted, as a regulator endpoint's, while deliveries go to the URL whole. */
static void test_webhook__url_query_not_shown(void **state)
{
    fixture *f = *state;
    char body[256], want[96];
    snprintf(body, sizeof(body),
             "{\"url\":\"http://127.0.0.1:%d/hook?token=hook-token-42\",\"secret\":\"" SECRET
             "\",\"events\":[\"report.dead\"]}",
             f->rv.port);
    snprintf(want, sizeof(want), "http://127.0.0.1:%d/hook?<redacted>", f->rv.port);
    json_t *put = px_http_expect(&f->env, "PUT", "/v1/webhook", f->mah2.key, body, NULL, 200, NULL);
    assert_string_equal(px_test_str(put, "url"), want);
    json_decref(put);
    json_t *get = px_http_expect(&f->env, "GET", "/v1/webhook", f->mah2.key, NULL, NULL, 200, NULL);
    assert_string_equal(px_test_str(get, "url"), want);
    json_decref(get);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook WHERE tenant_id = '%s' AND url LIKE "
                    "'%%?token=hook-token-42'",
                    f->mah2.org);
    json_decref(
        px_http_expect(&f->env, "DELETE", "/v1/webhook", f->mah2.key, NULL, NULL, 200, NULL));
}

/* A delivery whose attempts 1 and 2 were started and whose lease runs for an hour (a sender
 * that stalled past its lease, and the one that took over); its id. */
static void taken_over(fixture *f, char id[40])
{
    px_sql_textf(&f->env, id, 40,
                 "INSERT INTO webhook_delivery (tenant_id, event, body, state, attempts, "
                 "next_attempt_at) VALUES ('%s', 'report.dead', '{}', 'sending', 2, now() + "
                 "interval '1 hour') RETURNING id",
                 f->mah2.org);
    px_sqlf(&f->env,
            "INSERT INTO webhook_attempt (delivery_id, delivery_created_at, n, started_at) "
            "SELECT id, created_at, n, now() FROM webhook_delivery, generate_series(1, 2) n "
            "WHERE id = '%s'",
            id);
}

/* The outbox's one rule for a late outcome (docs/delivery.md "A sender that stalls past its
 * lease"), as reports have it: a late failure stays with its own attempt (finished, the
 * delivery untouched); a late success completes the delivery, never sent again nor dead. */
static void test_webhook__late_outcomes(void **state)
{
    fixture *f = *state;
    char id[40];
    px_err err = PX_ERR_INIT;
    int current = -1;
    taken_over(f, id);
    assert_int_equal(
        px_store_webhook_end_attempt(f->db, id, 1, 500, "retry", "HTTP 500", 100, &current, &err),
        PX_OK);
    assert_int_equal(current, 0); /* superseded: not told (webhook_runner.c) */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_attempt WHERE delivery_id = '%s' AND n = 1 AND "
                    "outcome = 'retry' AND finished_at IS NOT NULL",
                    id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_delivery WHERE id = '%s' AND state = 'sending' "
                    "AND attempts = 2",
                    id);
    taken_over(f, id);
    assert_int_equal(
        px_store_webhook_end_attempt(f->db, id, 1, 204, "delivered", NULL, 0, &current, &err),
        PX_OK);
    assert_int_equal(current, 1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_delivery WHERE id = '%s' AND state = "
                    "'delivered' AND delivered_at IS NOT NULL",
                    id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_attempt WHERE delivery_id = '%s' AND n = 1 AND "
                    "outcome = 'delivered'",
                    id);
    /* The newer attempt's own failure, after: the delivered delivery stays delivered. */
    assert_int_equal(
        px_store_webhook_end_attempt(f->db, id, 2, 500, "retry", "HTTP 500", 100, &current, &err),
        PX_OK);
    assert_int_equal(current, 0);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_delivery WHERE id = '%s' AND state = 'delivered'",
                    id);
}

/* Two retries of one dead delivery at once (a double click): exactly one is queued, the other
 * answers 409 already_retried. Both wait on the dead row, held by another session, and go
 * together when it lets go. */
static void test_webhook__concurrent_retries_queue_one(void **state)
{
    fixture *f = *state;
    char dead[40], sql[256], path[128];
    px_test_dead_webhook_delivery(&f->env, f->mah.org, dead);
    /* A dead delivery has no next attempt (its row keeps the last one it had). */
    px_sqlf(&f->env, "UPDATE webhook_delivery SET next_attempt_at = now() WHERE id = '%s'", dead);
    json_t *l =
        px_test_call(&f->env, "GET", "/v1/webhook/deliveries?state=dead", f->mah.key, NULL, 200);
    json_t *it = json_array_get(json_object_get(l, "items"), 0);
    assert_string_equal(px_test_str(it, "delivery_id"), dead);
    assert_true(json_is_null(json_object_get(it, "next_attempt_at")));
    json_decref(l);
    snprintf(path, sizeof(path), "/v1/webhook/deliveries/%s/retry", dead);
    snprintf(sql, sizeof(sql), "SELECT 1 FROM webhook_delivery WHERE id = '%s' FOR UPDATE", dead);
    PGconn *held = px_test_hold(&f->env, sql);
    px_test_async a = {&f->env, "POST", path, f->mah.key, NULL, 0, 0, "", ""};
    px_test_async b = a;
    px_test_async_start(&a);
    px_test_async_start(&b);
    px_test_wait_row_lock_waiters(&f->env, 2);
    px_test_hold_end(held, NULL);
    px_test_async_join(&a);
    px_test_async_join(&b);
    assert_true((a.status == 202 && b.status == 409) || (a.status == 409 && b.status == 202));
    assert_string_equal(a.status == 409 ? a.code : b.code, "already_retried");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM webhook_delivery WHERE retry_of = '%s'",
                    dead);
}

/* Opens a receiver that never answers (its fd returned: close it to end it), restarts the
 * server allowed to reach it, with settings (NULL-ended, or NULL), and points the MAH's webhook
 * at it. */
static int silent_webhook(fixture *f, const char *const *settings)
{
    int port;
    int hole = px_receiver_black_hole(&port);
    px_test_server_stop(&f->env);
    px_receiver_allow(&f->env, f->rv.port, port);
    px_test_setenv_list(&f->env, settings);
    px_test_server_start(&f->env);
    put_webhook(f, port);
    return hole;
}

/* A receiver that does not answer puts its tenant's queue off: the deliveries queued behind
 * the one that found it silent wait for that one's retry, and another tenant's delivery,
 * queued after them all, goes out meanwhile. Before, each of them took the send slot in turn
 * for a whole timeout first, and the other tenant's waited behind every one. */
static void test_webhook__silent_receiver_does_not_hold_other_tenants(void **state)
{
    fixture *f = *state;
    int hole = silent_webhook(f, NULL);
    put_webhook_of(f, f->mah2.key, f->rv.port);
    px_receiver_reset(&f->rv, 0, 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(enqueue(f, f->mah.org, "report.dead", "{\"queued\":1}"), PX_OK);
    assert_int_equal(enqueue(f, f->mah2.org, "clone.suspected", "{\"other\":1}"), PX_OK);
    char id[40], where[160];
    wait_state(f, "clone.suspected", "delivered", id);
    assert_int_equal(px_receiver_count(&f->rv), 1);
    /* the one send slot (PACKID_WORKERS 2) took at most two of the six before it */
    snprintf(where, sizeof(where), "tenant_id = '%s' AND attempts = 0 AND body LIKE '%%queued%%'",
             f->mah.org);
    long long untried = deliveries(f, where);
    px_sqlf(&f->env,
            "UPDATE webhook_delivery SET state = 'dead' WHERE tenant_id = '%s' AND state IN "
            "('queued', 'sending')",
            f->mah.org);
    json_decref(
        px_http_expect(&f->env, "DELETE", "/v1/webhook", f->mah2.key, NULL, NULL, 200, NULL));
    put_webhook(f, f->rv.port);
    close(hole);
    assert_true(untried >= 1);
}

/* A MAH's receiver that never answers holds one worker, not every one: with its deliveries
 * queued (PACKID_DELIVERY_TIMEOUT_MS long), another tenant's background job still runs. Each
 * POST held both workers of the default two before, and every tenant's allocations, exports
 * and carrier batches waited for them. Last (the tests run in the order written): it restarts
 * the server. */
static void test_webhook__silent_receiver_holds_one_worker(void **state)
{
    fixture *f = *state;
    static const char *const held[] = {"PACKID_DELIVERY_TIMEOUT_MS=600000", "PACKID_WORKERS=2",
                                       NULL};
    int hole = silent_webhook(f, held);
    for (int i = 0; i < 3; i++)
        assert_int_equal(enqueue(f, f->mah.org, "report.dead", "{\"silent\":1}"), PX_OK);
    /* one POST is on its way to the silent receiver */
    char where[160];
    snprintf(where, sizeof(where), "tenant_id = '%s' AND state = 'sending'", f->mah.org);
    for (int i = 0; i < 600 && deliveries(f, where) < 1; i++)
        px_sleep_ms(100);
    /* Another tenant's carrier batch is worked on meanwhile (its one item, a pack its product
     * does not have, is refused by the job: the job ends failed, which is the runner's doing
     * as much as completed). */
    px_test_product_sql(&f->env, "09506000134352", f->mah2.org, "Quiet product", "US");
    json_t *b = px_test_call(&f->env, "POST", "/v1/carrier-batches", f->mah2.key,
                             "{\"items\":[{\"gtin\":\"09506000134352\",\"serial\":\"NONE\"}],"
                             "\"symbology\":\"datamatrix\"}",
                             202);
    char path[96], status[32] = "";
    snprintf(path, sizeof(path), "/v1/jobs/%s", px_test_str(b, "job_id"));
    json_decref(b);
    for (int i = 0; i < 600; i++) {
        json_t *j = px_test_call(&f->env, "GET", path, f->mah2.key, NULL, 200);
        snprintf(status, sizeof(status), "%s", px_test_str(j, "status"));
        json_decref(j);
        if (strcmp(status, "completed") == 0 || strcmp(status, "failed") == 0)
            break;
        px_sleep_ms(100);
    }
    /* still one POST held: the other worker took no second one */
    long long sending = deliveries(f, where);
    /* The server is killed (its held POST would keep a stop waiting), the silent receiver's
     * deliveries retired, and the group's server started again for the teardown. */
    px_test_server_kill(&f->env);
    close(hole);
    px_sqlf(&f->env,
            "UPDATE webhook_delivery SET state = 'dead' WHERE tenant_id = '%s' AND state IN "
            "('queued', 'sending')",
            f->mah.org);
    px_receiver_allow(&f->env, f->rv.port, 1);
    px_test_setenv(&f->env, "PACKID_DELIVERY_TIMEOUT_MS=1500");
    px_test_server_start(&f->env);
    /* (asserted only now: a failure with the server's workers held would make its stop wait
     * for their POSTs) */
    if (strcmp(status, "completed") != 0 && strcmp(status, "failed") != 0)
        fail_msg("another tenant's job stayed '%s' while a receiver held its POST", status);
    assert_int_equal(sending, 1);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
