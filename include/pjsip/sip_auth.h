/* pjsip/sip_auth.h: forwarding header, so that PJSIP programs' unchanged
 * `#include <pjsip/sip_auth.h>` resolves to pjsip-auth-shim's single header. */
#ifndef PJSHIM_FORWARD_PJSIP_SIP_AUTH_H
#define PJSHIM_FORWARD_PJSIP_SIP_AUTH_H
#include "../pjsip_auth_shim.h"
#endif
