/* pjsip.h: forwarding header, so that PJSIP programs' unchanged
 * `#include <pjsip.h>` resolves to pjsip-auth-shim's single header. */
#ifndef PJSHIM_FORWARD_PJSIP_H
#define PJSHIM_FORWARD_PJSIP_H
#include "pjsip_auth_shim.h"
#endif
