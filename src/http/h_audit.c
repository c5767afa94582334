/* GET /v1/audit, GET /v1/audit/verify, GET /v1/audit/checkpoints (MAH, auditor: their own
 * organization's log; every other role is 403 by the policy table, domain/policy.c). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "json_shapes.h"
#include "paging.h"
#include "px_array.h"
#include "px_str.h"

/* A page of the log: its cursor is the last entry's seq oldest first (as ever), and a
 * numbered cursor of tag 'D' newest first (paging.h), so a cursor of one order is refused by
 * the other. */
typedef struct audit_list {
    px_list list;
    int newest_first;
} audit_list;

static int add_entry(void *ctx, const px_audit_entry *e)
{
    audit_list *al = ctx;
    char key[32];
    if (al->newest_first)
        px_seq_cursor(key, 'D', e->seq);
    else
        snprintf(key, sizeof(key), "%lld", e->seq);
    json_t *details = json_loads(e->details, 0, NULL);
    json_t *item = json_pack("{s:I, s:s, s:s?, s:s?, s:s, s:s, s:o, s:s, s:s}", "seq",
                             (json_int_t)e->seq, "at", e->at, "org_id",
                             e->org_id[0] ? e->org_id : NULL, "key_id",
                             e->key_id[0] ? e->key_id : NULL, "action", e->action, "subject",
                             e->subject, "details", details ? details : json_object(),
                             "prev_hash", e->prev_hash, "hash", e->hash);
    /* The chain position and link, so an auditor can follow the chain (each prev_hash is the
     * hash of the entry prev_seq) and match its entries with the signed checkpoints; 0 for an
     * entry of the old single chain. */
    if (item) {
        json_object_set_new(item, "chain_seq", json_integer((json_int_t)e->chain_seq));
        json_object_set_new(item, "prev_seq", json_integer((json_int_t)e->prev_seq));
    }
    return px_list_add(&al->list, key, item);
}

void h_audit_list(px_req *r)
{
    audit_list al = {.newest_first = 0};
    const char *order = px_req_query(r, "order");
    /* The serial listings' words for the two orders (h_allocations.c); index 1 is newest first. */
    static const char *const orders[] = {"CREATED_ASC", "CREATED_DESC"};
    if (order) {
        if (px_reply_failed(r, px_name_pick(orders, PX_COUNT(orders), order, "invalid_value",
                                            "order", &al.newest_first, &r->err)))
            return;
    }
    px_list *l = &al.list;
    px_db *db = px_list_begin(l, r, 1);
    if (!db)
        return;
    long long after_seq = 0;
    long plain = 0;
    if (l->after[0] && !(al.newest_first ? px_seq_cursor_parse(l->after, 'D', &after_seq)
                                         : px_parse_long(l->after, 1, LONG_MAX, &plain) == 0)) {
        px_list_refuse_cursor(l);
        return;
    }
    if (!al.newest_first)
        after_seq = plain;
    px_list_end(l, px_svc_audit_each(db, &r->actor, after_seq, al.newest_first, l->first + 1,
                                     add_entry, &al, &l->r->err));
}

void h_audit_verify(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_audit_verdict v;
    if (px_reply_failed(
            r, px_svc_audit_verify(db, &r->app->audit_keys, &r->actor, NULL, 0, &v, &r->err)))
        return;
    px_reply_json(r, 200, px_json_audit_verdict(&v));
}

json_t *px_json_audit_verdict(const px_audit_verdict *v)
{
    json_t *o = json_pack("{s:b, s:I, s:s, s:I}", "ok", v->ok, "entries", (json_int_t)v->entries,
                          "head", v->head, "checkpoints", (json_int_t)v->checkpoints);
    if (o && !v->ok) {
        if (v->broken_seq > 0)
            json_object_set_new(o, "broken_at", json_integer(v->broken_seq));
        json_object_set_new(o, "reason", json_string(v->reason));
    }
    return o;
}

static int add_checkpoint(void *ctx, const px_audit_checkpoint *c)
{
    char key[24];
    snprintf(key, sizeof(key), "%lld", c->id);
    /* chain and entries complete the signed message (px_audit_checkpoint_message), so an
     * auditor can check the signature with the public key alone; cut says which text
     * (docs/audit.md "Cuts"). */
    json_t *item =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "seq", (json_int_t)c->seq, "head",
                  c->head, "at", c->at, "signature", c->signature, "key_id", c->key_id, "chain",
                  c->chain, "entries", (json_int_t)c->chain_seq, "cut", c->cut);
    return px_list_add(ctx, key, item);
}

void h_audit_checkpoints(px_req *r)
{
    px_list l;
    px_db *db = px_list_begin(&l, r, 1);
    if (!db)
        return;
    long after_id = 0;
    if (l.after[0] && px_parse_long(l.after, 1, LONG_MAX, &after_id) != 0) {
        px_list_refuse_cursor(&l);
        return;
    }
    px_list_end(&l, px_svc_audit_checkpoints_each(db, &r->actor, after_id, l.first + 1,
                                                  add_checkpoint, &l, &r->err));
}

/* POST /v1/audit/checkpoints: the checkpoint worker's pass, now (docs/audit.md): a pass that
 * failed (packid_runner_errors_total{runner="audit-checkpoint"}) is run again through the API.
 * A chain that does not verify is not signed, and counted in refused (each logged at error
 * level); another process signing at the same moment makes this pass sign nothing. */
void h_audit_checkpoint_now(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    int made = 0, refused = 0;
    if (px_reply_failed(
            r, px_svc_audit_checkpoint(db, &r->app->audit_keys, NULL, &made, &refused, &r->err)))
        return;
    px_reply_json(r, 200,
                  json_pack("{s:i, s:i, s:s}", "made", made, "refused", refused, "key_id",
                            r->app->audit_keys.keys[0].id));
}
