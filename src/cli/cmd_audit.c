/* packid audit verify | checkpoint [--cut-before TIME] | rotate-key (docs/audit.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_shapes.h"
#include "px_str.h"

#define HELD_MAX 10000

/* Checkpoints an auditor kept from GET /v1/audit/checkpoints: the answer as saved
 * ({"items": [...]}), a list of items, or one item. */
static px_rc read_held(const char *path, px_audit_checkpoint **out, int *n, px_err *err)
{
    *out = NULL;
    *n = 0;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return px_err_set(err, PX_EINVALID, "bad_request", "cannot read checkpoints from %s: %s",
                          path, je.text);
    json_t *items = json_is_array(root) ? root : json_object_get(root, "items");
    json_t *one = json_array();
    if (!items) {
        json_array_append(one, root);
        items = one;
    }
    px_rc rc = PX_OK;
    size_t count = json_array_size(items);
    if (count > HELD_MAX) {
        rc = px_err_set(err, PX_ETOOBIG, "bad_request", "more than %d checkpoints", HELD_MAX);
        goto done;
    }
    *out = calloc(count ? count : 1, sizeof(**out));
    if (!*out) {
        rc = px_err_oom(err);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *it = json_array_get(items, i);
        px_audit_checkpoint *c = &(*out)[i];
        const char *chain = json_string_value(json_object_get(it, "chain"));
        const char *head = json_string_value(json_object_get(it, "head"));
        const char *at = json_string_value(json_object_get(it, "at"));
        const char *key = json_string_value(json_object_get(it, "key_id"));
        const char *sig = json_string_value(json_object_get(it, "signature"));
        json_t *seq = json_object_get(it, "seq"), *entries = json_object_get(it, "entries");
        if (!chain || !head || !at || !key || !sig || !json_is_integer(seq) ||
            !json_is_integer(entries)) {
            rc = px_err_set(err, PX_EINVALID, "bad_request", "checkpoint %zu of %s lacks a field",
                            i, path);
            goto done;
        }
        /* Each value whole or refused: a head or signature cut to its field would verify as if
         * the held file said exactly that. */
        if (px_strlcpy(c->chain, chain, sizeof(c->chain)) >= sizeof(c->chain) ||
            px_strlcpy(c->head, head, sizeof(c->head)) >= sizeof(c->head) ||
            px_strlcpy(c->at, at, sizeof(c->at)) >= sizeof(c->at) ||
            px_strlcpy(c->key_id, key, sizeof(c->key_id)) >= sizeof(c->key_id) ||
            px_strlcpy(c->signature, sig, sizeof(c->signature)) >= sizeof(c->signature)) {
            rc = px_err_set(err, PX_EINVALID, "bad_request",
                            "checkpoint %zu of %s has a field longer than any checkpoint's", i,
                            path);
            goto done;
        }
        c->seq = (long long)json_integer_value(seq);
        c->chain_seq = (long long)json_integer_value(entries);
        c->cut = json_is_true(json_object_get(it, "cut"));
        if (c->seq <= 0) {
            rc = px_err_set(err, PX_EINVALID, "bad_request", "checkpoint %zu: bad seq", i);
            goto done;
        }
    }
    *n = (int)count;
done:
    json_decref(one);
    json_decref(root);
    if (rc != PX_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

static int audit_verify(px_cli *cli, int argc, char **argv)
{
    px_err err = PX_ERR_INIT;
    px_audit_checkpoint *held = NULL;
    int n_held = 0;
    const char *file = px_cli_opt(argc, argv, "checkpoint");
    if (file && read_held(file, &held, &n_held, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    px_cli_session s;
    if (px_cli_open(cli, &s) != PX_OK) {
        free(held);
        return px_cli_fail(cli, &s.err);
    }
    px_audit_verdict v;
    px_rc rc = px_svc_audit_verify(s.db, &s.app.audit_keys, NULL, held, n_held, &v, &s.err);
    px_cli_close(&s);
    free(held);
    if (rc != PX_OK)
        return px_cli_fail(cli, &s.err);
    if (cli->json) {
        px_cli_print_json(px_json_audit_verdict(&v), JSON_COMPACT);
    } else if (v.ok) {
        printf("audit trail intact: %lld entries, %lld signed checkpoints hold\n", v.entries,
               v.checkpoints);
    } else {
        printf("audit trail BROKEN at entry %lld: %s\n", v.broken_seq, v.reason);
    }
    return v.ok ? PX_EXIT_OK : PX_EXIT_FAIL;
}

static int audit_checkpoint(px_cli *cli, int argc, char **argv)
{
    px_cli_session s;
    if (px_cli_open(cli, &s) != PX_OK)
        return px_cli_fail(cli, &s.err);
    int made = 0, refused = 0;
    const char *cut_before = px_cli_opt(argc, argv, "cut-before");
    px_rc rc =
        px_svc_audit_checkpoint(s.db, &s.app.audit_keys, cut_before, &made, &refused, &s.err);
    char key_id[PX_SIGN_ID_LEN + 1];
    px_strlcpy(key_id, s.app.audit_keys.keys[0].id, sizeof(key_id));
    px_cli_close(&s);
    if (rc != PX_OK)
        return px_cli_fail(cli, &s.err);
    if (cli->json)
        px_cli_print_json(
            json_pack("{s:i, s:i, s:s}", "made", made, "refused", refused, "key_id", key_id),
            JSON_COMPACT);
    else
        printf("%d checkpoints signed with key %s, %d chains refused (see the log)\n", made, key_id,
               refused);
    return refused ? PX_EXIT_FAIL : PX_EXIT_OK;
}

static int audit_rotate(px_cli *cli)
{
    px_err err = PX_ERR_INIT;
    char old_id[PX_SIGN_ID_LEN + 1], new_id[PX_SIGN_ID_LEN + 1];
    if (px_sign_ring_rotate(cli->cfg.audit_key_file, old_id, new_id, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    if (cli->json)
        px_cli_print_json(json_pack("{s:s, s:s}", "retired", old_id, "key_id", new_id),
                          JSON_COMPACT);
    else
        printf("audit key %s retired (kept to verify what it signed); new key %s; restart "
               "packid to sign with it\n",
               old_id, new_id);
    return PX_EXIT_OK;
}

#define AUDIT_USAGE                                                                                \
    "audit verify [--checkpoint FILE] | checkpoint [--cut-before TIME] | rotate-key [--json]"

int px_cmd_audit(px_cli *cli, int argc, char **argv)
{
    static const char *const verify_options[] = {"--checkpoint=", NULL};
    static const char *const checkpoint_options[] = {"--cut-before=", NULL};
    const char *sub = argc > 1 ? argv[1] : "";
    int verify = strcmp(sub, "verify") == 0, checkpoint = strcmp(sub, "checkpoint") == 0;
    if (!verify && !checkpoint && strcmp(sub, "rotate-key") != 0)
        return px_cli_usage(AUDIT_USAGE);
    int ex = px_cli_check(argc, argv, 2,
                          verify       ? verify_options
                          : checkpoint ? checkpoint_options
                                       : px_cli_no_options,
                          0, AUDIT_USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    if (verify)
        return audit_verify(cli, argc, argv);
    if (checkpoint)
        return audit_checkpoint(cli, argc, argv);
    return audit_rotate(cli);
}
