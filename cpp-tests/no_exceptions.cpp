// cpp-test-flags: -fno-exceptions
// pjsip_auth_shim.hpp with PJSHIM_CPP_NO_EXCEPTIONS, built with
// -fno-exceptions: every fallible call returns its pj_status_t.
#define PJSHIM_CPP_NO_EXCEPTIONS 1
#include <optional>
#include <thread>

#include "fixture.hpp"

using pjshim::AuthChallenge;
using pjshim::ClientSession;

int main()
{
    {
        Owner o;
        ClientSession s;
        CHECK_EQ(s.status(), PJ_SUCCESS);
        std::optional<AuthChallenge> kept;
        CHECK_EQ(s.on_challenge([&](AuthChallenge c) { kept.emplace(std::move(c)); }), PJ_SUCCESS);
        CHECK_EQ(s.on_challenge(nullptr), PJ_EINVAL);
        CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS);
        CHECK_EQ(kept->respond(), PJSIP_ENOCREDENTIAL); // still pending
        CHECK(kept->pending());
        pj_status_t st = PJ_EUNKNOWN;
        std::thread([&] { st = kept->respond({alice()}); }).join();
        CHECK_EQ(st, PJ_SUCCESS);
        CHECK(o.ended(1, 0) && o.sent_with_auth);
        CHECK_EQ(kept->respond(), PJ_EINVALIDOP);
        CHECK_EQ(kept->abandon(), PJ_EINVALIDOP);

        Owner o2;
        CHECK_EQ(o2.challenge(s.native()), PJ_SUCCESS);
        AuthChallenge moved(std::move(*kept));
        CHECK_EQ(kept->abandon(), PJ_EINVALIDOP);
        CHECK_EQ(moved.abandon(), PJ_SUCCESS);
        CHECK(o2.ended(0, 1));

        ClientSession gone(std::move(s));
        CHECK_EQ(s.status(), PJ_EINVALIDOP);
        CHECK_EQ(s.set_credentials({alice()}), PJ_EINVALIDOP);
        CHECK_EQ(gone.pending(), 0);
    }
    {
        Owner o;
        std::optional<AuthChallenge> kept;
        {
            ClientSession s;
            CHECK_EQ(s.on_challenge([&](AuthChallenge c) { kept.emplace(std::move(c)); }),
                     PJ_SUCCESS);
            CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS);
        }
        CHECK(o.ended(0, 1));
        CHECK_EQ(kept->abandon(), PJ_EINVAL); // the token died with the session
        kept.reset();
        CHECK(o.ended(0, 1));
    }
    CHECK_EQ(ClientSession::live_tokens(), 0);
    return test_done("no_exceptions");
}
