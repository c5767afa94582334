/* epcis layer-internal helpers shared by writer.c, event_hash.c and profile.c (STYLE.md
 * "Names": <module>__fn for layer-internal functions). Not part of the public interface. */
#ifndef PX_EPCIS_INTERNAL_H
#define PX_EPCIS_INTERNAL_H

#include <libxml/xmlerror.h> /* layer-internal: libxml2 is this layer's own dependency */
#include <stdint.h>

#include "epcis.h"

/* CBV 1.2 URN prefixes (EPCIS 1.2 XML) and CBV 2.0 Web URI prefixes (event hash, CBV 2.0
 * §8.9 rule 14: "urn:epcglobal:cbv:…" → "https://ref.gs1.org/cbv/…"). */
#define EPCIS__URN_BIZSTEP "urn:epcglobal:cbv:bizstep:"
#define EPCIS__URN_DISP "urn:epcglobal:cbv:disp:"
#define EPCIS__URN_BTT "urn:epcglobal:cbv:btt:"
#define EPCIS__URN_SDT "urn:epcglobal:cbv:sdt:"
#define EPCIS__WEB_BIZSTEP "https://ref.gs1.org/cbv/BizStep-"
#define EPCIS__WEB_DISP "https://ref.gs1.org/cbv/Disp-"
#define EPCIS__WEB_BTT "https://ref.gs1.org/cbv/BTT-"
#define EPCIS__WEB_SDT "https://ref.gs1.org/cbv/SDT-"

/* CBV master data namespace used for ILMD in EPCIS 1.2 XML (DOMAIN.md §6.1, §6.5). */
#define EPCIS__NS_CBVMDA "urn:epcglobal:cbv:mda"

/* Rounds us to milliseconds, half-up (CBV 2.0 §8.9 rule 9), and formats it in UTC:
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 characters + NUL). The writer and the hash both use this, so
 * a receiver recomputing the hash from the document gets the stored eventID. */
void epcis__time_ms(char out[32], int64_t us);
/* eventTimeZoneOffset "+hh:mm" / "-hh:mm" (EPCIS 1.2 §7.4.1); -1 when outside -14:00..+14:00. */
int epcis__tz_format(char out[8], int minutes);
/* Initialises libxml2 once per process (pthread_once around xmlInitParser). */
void epcis__xml_init(void);
/* Routes libxml2's thread-local structured errors to handler/ctx (NULL handler: swallow them)
 * and returns the previous hook in *saved, so library calls never print to stderr; restore
 * with epcis__xml_errors_restore. */
typedef struct epcis__err_hook {
    xmlStructuredErrorFunc fn;
    void *ctx;
} epcis__err_hook;
void epcis__xml_errors_push(epcis__err_hook *saved, xmlStructuredErrorFunc handler, void *ctx);
void epcis__xml_errors_restore(const epcis__err_hook *saved);
/* ILMD itemExpirationDate as xsd:date: "YYYY-MM-DD" is checked and copied; an AI (17) YYMMDD
 * is converted with gs1_date_parse (GenSpecs §7.12 century relative to ref_us's year — the
 * event time, so writer and hash agree — DD=00 = last day of the month, DOMAIN.md §2.4). */
px_rc epcis__expiry_iso(char out[11], const char *expiry, int64_t ref_us, px_err *err);

#endif
