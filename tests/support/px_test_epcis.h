/* Reading an EPCIS query's answer (px_test_epcis.c). */
#ifndef PX_TEST_EPCIS_H
#define PX_TEST_EPCIS_H

#include <stddef.h>

#include <jansson.h>

/* The eventList of an EPCIS query document (epcisBody.queryResults.resultsBody.eventList),
 * borrowed from answer; NULL when it has none. */
json_t *px_test_event_list(json_t *answer);
/* The eventIDs of that list, each followed by a newline, into out (NUL-terminated); fails the
 * test on an event without one. px_test_xml_event_ids is the same for an XML document. */
void px_test_event_ids(json_t *answer, char *out, size_t cap);

#endif
