/* pjlib.h: forwarding header, so that PJSIP programs' unchanged
 * `#include <pjlib.h>` resolves to pjsip-auth-shim's single header. */
#ifndef PJSHIM_FORWARD_PJLIB_H
#define PJSHIM_FORWARD_PJLIB_H
#include "pjsip_auth_shim.h"
#endif
