/* Runtime validation: the official EPCIS 1.2 XSD compiled by libxml2 accepts
 * what packid writes and GS1's own examples, and rejects a deliberately invalid document with
 * the schema's reason; a shared validator works from several threads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "epcis.h"
#include "epcis_check.h"
#include "epcis_fixtures.h"
#include "px_array.h"

#define XSD_DIR PX_SHARED_DIR "/reference/epcis-1.2/xsd"
#define EX12 PX_SHARED_DIR "/reference/epcis-1.2/examples"

static int setup(void **state)
{
    px_epcis_validator *v = NULL;
    px_err err = PX_ERR_INIT;
    px_rc rc = px_epcis_validator_new(&v, XSD_DIR, &err);
    return ck_validator_state(state, rc, v, &err);
}

static void test_epcis__validates_own_documents(void **state)
{
    const px_epcis_validator *v = *state;
    for (int p = 0; p < PX_EPCIS_PROFILE__COUNT; p++) {
        px_buf doc;
        px_buf_init(&doc, 1 << 22);
        px_err err = PX_ERR_INIT;
        assert_int_equal(fx_write_document(&doc, (px_epcis_profile)p, -1, &err), PX_OK);
        if (px_epcis_validate_buffer(v, doc.data, doc.len, &err) != PX_OK)
            fail_msg("profile %d: %s", p, err.message);
        px_buf_dispose(&doc);
    }
}

static void test_epcis__validates_gs1_examples(void **state)
{
    const px_epcis_validator *v = *state;
    static const char *const files[] = {
        EX12 "/gs1-epcis/ObjectEvent.xml",
        EX12 "/gs1-epcis/AggregationEvent.xml",
        EX12 "/openepcis/EPCIS/XML/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml",
    };
    for (size_t i = 0; i < PX_COUNT(files); i++) {
        px_err err = PX_ERR_INIT;
        if (px_epcis_validate_file(v, files[i], &err) != PX_OK)
            fail_msg("%s: %s", files[i], err.message);
    }
}

/* A packid document with <action> moved before <epcList>: not allowed by ObjectEventType. */
static void test_epcis__rejects_invalid_with_reason(void **state)
{
    const px_epcis_validator *v = *state;
    px_buf doc;
    px_buf_init(&doc, 1 << 22);
    px_err err = PX_ERR_INIT;
    assert_int_equal(fx_write_document(&doc, PX_EPCIS_PROFILE_US_DSCSA, FX_DISPENSING, &err),
                     PX_OK);
    char *epc = strstr(doc.data, "<epcList>");
    char *action = strstr(doc.data, "<action>OBSERVE</action>");
    assert_non_null(epc);
    assert_non_null(action);
    /* swap: "<action>OBSERVE</action>" goes where "<epcList>" starts */
    const char *act = "<action>OBSERVE</action>";
    size_t alen = strlen(act);
    memmove(epc + alen, epc, (size_t)(action - epc));
    memcpy(epc, act, alen);
    assert_int_equal(px_epcis_validate_buffer(v, doc.data, doc.len, &err), PX_EINVALID);
    assert_string_equal(err.code, "epcis_schema");
    /* libxml2's reason names the element and what it expected, with the line */
    assert_non_null(strstr(err.message, "line "));
    assert_non_null(strstr(err.message, "action"));
    assert_non_null(strstr(err.message, "epcList"));
    px_buf_dispose(&doc);
}

static void test_epcis__rejects_external_invalid(void **state)
{
    const px_epcis_validator *v = *state;
    px_err err = PX_ERR_INIT;
    /* SOURCES/VALIDATION.md: invalid on purpose (extension before eventTime). */
    assert_int_equal(
        px_epcis_validate_file(
            v, EX12 "/openepcis/EPCIS/XML/Capture/Documents/Jumbled_attributes_order.xml", &err),
        PX_EINVALID);
    assert_string_equal(err.code, "epcis_schema");
    assert_non_null(strstr(err.message, "myField"));
    assert_non_null(strstr(err.message, "eventTime"));
}

static void test_epcis__rejects_not_xml(void **state)
{
    const px_epcis_validator *v = *state;
    px_err err = PX_ERR_INIT;
    const char *s = "this is not XML";
    assert_int_equal(px_epcis_validate_buffer(v, s, strlen(s), &err), PX_EINVALID);
    assert_string_equal(err.code, "epcis_xml");
    px_err_clear(&err);
    assert_int_equal(px_epcis_validate_file(v, "/nonexistent/x.xml", &err), PX_ENOTFOUND);
}

static void test_epcis__bad_xsd_dir(void)
{
    px_epcis_validator *v = NULL;
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_epcis_validator_new(&v, "/nonexistent", &err), PX_EINVALID);
    assert_null(v);
    assert_string_equal(err.code, "bad_config"); /* a setting, as px_config's refusals */
    px_err_clear(&err);
    assert_int_equal(px_epcis_validator_new(&v, "", &err), PX_EINVALID);
    assert_string_equal(err.code, "bad_config");
}

typedef struct job {
    const px_epcis_validator *v;
    const px_buf *good;
    int failures;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (int i = 0; i < 20; i++) {
        px_err err;
        if (px_epcis_validate_buffer(j->v, j->good->data, j->good->len, &err) != PX_OK)
            j->failures++;
        const char *bad = "<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:1\"/>";
        if (px_epcis_validate_buffer(j->v, bad, strlen(bad), &err) != PX_EINVALID)
            j->failures++;
    }
    return NULL;
}

static void test_epcis__validator_shared_by_threads(void **state)
{
    px_buf doc;
    px_buf_init(&doc, 1 << 22);
    px_err err;
    assert_int_equal(fx_write_document(&doc, PX_EPCIS_PROFILE_EU, -1, &err), PX_OK);
    pthread_t th[2];
    job jobs[2] = {{*state, &doc, 0}, {*state, &doc, 0}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(jobs[0].failures + jobs[1].failures, 0);
    px_buf_dispose(&doc);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN ck_validator_teardown
