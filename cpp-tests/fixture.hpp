// Shared by the C++ wrapper tests: a transaction owner (the SIP stack's side
// of pjsip_auth_clt_async_impl_on_challenge, counting send_impl and
// abandon_impl calls), a REGISTER and its 401, and CHECK helpers.
#ifndef PJSHIM_CPP_FIXTURE_HPP
#define PJSHIM_CPP_FIXTURE_HPP

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>

#include "pjsip_auth_shim.hpp"

static int g_failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            g_failures++;                                                              \
        }                                                                              \
    } while (0)

#define CHECK_EQ(got, want)                                                            \
    do {                                                                               \
        long check_got_ = static_cast<long>(got), check_want_ = static_cast<long>(want); \
        if (check_got_ != check_want_) {                                               \
            std::fprintf(stderr, "%s:%d: %s is %ld, expected %ld\n", __FILE__, __LINE__, #got, \
                         check_got_, check_want_);                                     \
            g_failures++;                                                              \
        }                                                                              \
    } while (0)

static int test_done(const char *name)
{
    if (g_failures) {
        std::fprintf(stderr, "%s: %d check(s) failed\n", name, g_failures);
        return 1;
    }
    std::printf("%s: ok\n", name);
    return 0;
}

static const char REGISTER_MSG[] =
    "REGISTER sip:registrar.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKcpp1\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: cpp-wrapper@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Content-Length: 0\r\n\r\n";

static const char CHALLENGE_MSG[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKcpp1\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>;tag=t1\r\n"
    "Call-ID: cpp-wrapper@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5\r\n"
    "Content-Length: 0\r\n\r\n";

static pjshim::Credential alice()
{
    return pjshim::Credential::password("example.com", "alice", "secret");
}

// One challenged transaction: its group lock holds one reference of the
// owner's own (the baseline); the token takes one more while pending.
struct Owner {
    pj_caching_pool cp;
    pj_pool_t *pool = nullptr;
    pj_grp_lock_t *glock = nullptr;
    pjsip_auth_clt_async_impl_token impl{};
    pjsip_tx_data *tdata = nullptr;
    pjsip_rx_data *rdata = nullptr;
    std::atomic<int> sends{0};
    std::atomic<int> abandons{0};
    std::atomic<bool> sent_with_auth{false};

    Owner()
    {
        pj_caching_pool_init(&cp, nullptr, 0);
        pool = pj_pool_create(&cp.factory, "owner", 1024, 1024, nullptr);
        CHECK_EQ(pj_grp_lock_create(pool, nullptr, &glock), PJ_SUCCESS);
        pj_grp_lock_add_ref(glock);
        impl.user_data = this;
        impl.send_impl = &Owner::send;
        impl.abandon_impl = &Owner::abandon;
        impl.grp_lock = glock;
        CHECK_EQ(pjshim_tx_data_parse(REGISTER_MSG, sizeof REGISTER_MSG - 1, &tdata), PJ_SUCCESS);
        CHECK_EQ(pjshim_rx_data_parse(CHALLENGE_MSG, sizeof CHALLENGE_MSG - 1, &rdata), PJ_SUCCESS);
    }
    ~Owner()
    {
        pjsip_rx_data_free_cloned(rdata);
        CHECK_EQ(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED); // no reference left behind
        CHECK_EQ(pj_grp_lock_get_ref(glock), 1);
        pj_grp_lock_dec_ref(glock);
        pj_pool_release(pool);
        pj_caching_pool_destroy(&cp);
    }
    Owner(const Owner &) = delete;
    Owner &operator=(const Owner &) = delete;

    // What a SIP stack does on a 401: one group-lock reference for the token,
    // dropped here unless PJ_SUCCESS came back.
    pj_status_t challenge(pjsip_auth_clt_sess *sess)
    {
        pjsip_auth_clt_async_on_chal_param prm{};
        prm.tdata = tdata;
        prm.rdata = rdata;
        pj_grp_lock_add_ref(glock);
        pj_status_t st = pjsip_auth_clt_async_impl_on_challenge(sess, &impl, &prm);
        if (st != PJ_SUCCESS)
            pj_grp_lock_dec_ref(glock);
        return st;
    }

    int refs() const { return pj_grp_lock_get_ref(glock); }
    bool ended(int want_sends, int want_abandons) const
    {
        return sends.load() == want_sends && abandons.load() == want_abandons && refs() == 1;
    }

    static pj_status_t send(pjsip_auth_clt_sess *, void *user_data, pjsip_tx_data *req)
    {
        auto *o = static_cast<Owner *>(user_data);
        pj_str_t v;
        o->sent_with_auth = pjshim_tx_data_get_hdr(req, "Authorization", 0, &v) == PJ_SUCCESS &&
                            std::string(v.ptr, static_cast<size_t>(v.slen))
                                    .find("username=\"alice\"") != std::string::npos;
        o->sends++;
        pjsip_tx_data_dec_ref(req); // send_impl owns the request's reference
        return PJ_SUCCESS;
    }
    static void abandon(pjsip_auth_clt_sess *, void *user_data)
    {
        static_cast<Owner *>(user_data)->abandons++;
    }
};

#endif
