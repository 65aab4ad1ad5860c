/* pjsip_ua.h: forwarding header, so that PJSIP programs' unchanged
 * `#include <pjsip_ua.h>` resolves to pjsip-auth-shim's single header. */
#ifndef PJSHIM_FORWARD_PJSIP_UA_H
#define PJSHIM_FORWARD_PJSIP_UA_H
#include "pjsip_auth_shim.h"
#endif
