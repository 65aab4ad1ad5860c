/* pjsip_auth_shim.hpp: a header-only C++17 wrapper over pjsip_auth_shim.h
 * (the client side of digest authentication with asynchronous challenges).
 *
 *   pjshim::ClientSession   owns one pjsip_auth_clt_sess (init on
 *                           construction, deinit on destruction); movable.
 *   pjshim::AuthChallenge   one pending challenge, handed to the session's
 *                           challenge handler: movable, not copyable.
 *                           respond() answers it (the session's credentials,
 *                           or new ones), abandon() gives it up, and the
 *                           destructor abandons it when neither was called,
 *                           so a forgotten challenge never leaks a transaction.
 *
 * Threads: no registration with the library is needed; any thread may create
 * sessions, and a challenge may be moved to, answered on or destroyed on any
 * thread. One object is used by one thread at a time (as std types are); the
 * library itself makes sure a challenge is consumed exactly once.
 *
 * Lifetimes: a challenge may outlive its session. Destroying the session
 * revokes its pending tokens (the transaction's abandon_impl runs once, as
 * pjsip_auth_clt_deinit promises); afterwards the challenge's respond() and
 * abandon() report PJ_EINVAL, and its destructor touches neither the session
 * nor the token (it only releases its own references to the two messages).
 *
 * Errors: by default failing calls throw pjshim::Error (a std::runtime_error
 * carrying the pj_status_t). Define PJSHIM_CPP_NO_EXCEPTIONS before including
 * this header to get pj_status_t returns instead (and build with
 * -fno-exceptions if you like): then every function documented as "throws"
 * returns the status, PJ_SUCCESS on success, and ClientSession's constructor
 * leaves status() != PJ_SUCCESS on failure. */
#ifndef PJSIP_AUTH_SHIM_HPP
#define PJSIP_AUTH_SHIM_HPP

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "pjsip_auth_shim.h"

#ifndef PJSHIM_CPP_NO_EXCEPTIONS
#include <stdexcept>
#endif

namespace pjshim {

#ifdef PJSHIM_CPP_NO_EXCEPTIONS
/** What a fallible call returns: the status (PJ_SUCCESS on success). */
using result_t = pj_status_t;
#define PJSHIM_CPP_NODISCARD [[nodiscard]]
#else
/** What a fallible call returns: nothing (failure throws pjshim::Error). */
using result_t = void;
#define PJSHIM_CPP_NODISCARD
#endif

/** The library's message for `status` (pj_strerror). */
inline std::string error_message(pj_status_t status)
{
    char buf[PJ_ERR_MSG_SIZE];
    if (pj_strerror(status, buf, sizeof buf) != PJ_SUCCESS)
        return "error " + std::to_string(status);
    return buf;
}

#ifndef PJSHIM_CPP_NO_EXCEPTIONS
/** A failed call: status() is the pj_status_t the C function returned. */
class Error : public std::runtime_error {
public:
    Error(pj_status_t status, const char *what)
        : std::runtime_error(std::string(what) + ": " + error_message(status)), status_(status)
    {
    }
    pj_status_t status() const noexcept { return status_; }

private:
    pj_status_t status_;
};
#endif

namespace detail {
/* Turns a status into the configured result: thrown, or returned. */
inline result_t check(pj_status_t status, const char *what)
{
#ifdef PJSHIM_CPP_NO_EXCEPTIONS
    (void)what;
    return status;
#else
    if (status != PJ_SUCCESS)
        throw Error(status, what);
#endif
}

inline pj_str_t view(const std::string &s)
{
    pj_str_t v;
    v.ptr = const_cast<char *>(s.data()); /* the library only reads, and copies */
    v.slen = static_cast<pj_ssize_t>(s.size());
    return v;
}
} // namespace detail

/** One credential (pjsip_cred_info); the library copies it when set. */
struct Credential {
    std::string realm;    /**< The realm, or "*" for any. */
    std::string username;
    std::string secret;   /**< A password, or the hex HA1 when data_type is DIGEST. */
    pjsip_cred_data_type data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    pjsip_auth_algorithm_type algorithm = PJSIP_AUTH_ALGORITHM_NOT_SET; /**< For an HA1. */
    std::string scheme = "digest";

    static Credential password(std::string realm, std::string username, std::string password)
    {
        Credential c;
        c.realm = std::move(realm);
        c.username = std::move(username);
        c.secret = std::move(password);
        return c;
    }
};

namespace detail {
/* pjsip_auth_clt_set_credentials with `creds` viewed as pjsip_cred_info. */
inline pj_status_t set_credentials(pjsip_auth_clt_sess *sess, const std::vector<Credential> &creds)
{
    std::vector<pjsip_cred_info> c(creds.size());
    for (size_t i = 0; i < creds.size(); i++) {
        c[i].realm = view(creds[i].realm);
        c[i].scheme = view(creds[i].scheme);
        c[i].username = view(creds[i].username);
        c[i].data_type = creds[i].data_type;
        c[i].data = view(creds[i].secret);
        c[i].algorithm_type = creds[i].algorithm;
    }
    return pjsip_auth_clt_set_credentials(sess, static_cast<int>(c.size()),
                                          c.empty() ? nullptr : c.data());
}
} // namespace detail

class ClientSession;
class AuthChallenge;

/** Called on the thread that delivered the challenge (the SIP stack's), with
 * no library lock held. Keep the challenge (move it somewhere) to answer it
 * later from any thread, or answer it right here. */
using ChallengeHandler = std::function<void(AuthChallenge)>;

namespace detail {
/* The C session and its handler. ClientSession holds the one strong reference;
 * challenges hold weak ones, so a challenge outliving its session sees that
 * and touches nothing. The destructor deinits (revoking pending tokens). */
struct SessionCore : std::enable_shared_from_this<SessionCore> {
    pjsip_auth_clt_sess sess{};
    pj_status_t init_status = PJ_EUNKNOWN;
    std::mutex handler_lock;
    std::shared_ptr<ChallengeHandler> handler;

    SessionCore() { init_status = pjsip_auth_clt_init(&sess, nullptr, nullptr, 0); }
    ~SessionCore()
    {
        if (init_status == PJ_SUCCESS)
            pjsip_auth_clt_deinit(&sess);
    }
    SessionCore(const SessionCore &) = delete;
    SessionCore &operator=(const SessionCore &) = delete;

    static pj_bool_t on_challenge(pjsip_auth_clt_sess *sess, void *token,
                                  const pjsip_auth_clt_async_on_chal_param *param);
};
} // namespace detail

/** A pending challenge. See the file comment for threads and lifetimes. */
class AuthChallenge {
public:
    /** An empty challenge (pending() false): what a moved-from one is. */
    AuthChallenge() noexcept = default;
    AuthChallenge(const AuthChallenge &) = delete;
    AuthChallenge &operator=(const AuthChallenge &) = delete;
    AuthChallenge(AuthChallenge &&other) noexcept { take(other); }
    /** Abandons this challenge if it is still pending, then takes `other`'s. */
    AuthChallenge &operator=(AuthChallenge &&other) noexcept
    {
        if (this != &other) {
            finish_quietly();
            take(other);
        }
        return *this;
    }
    /** Abandons the challenge if neither respond() nor abandon() succeeded. */
    ~AuthChallenge() { finish_quietly(); }

    /** True until respond() or abandon() succeeded (or it was moved from).
     * A challenge whose session was destroyed is still "pending" here, but its
     * token is dead: respond() and abandon() then report PJ_EINVAL. */
    bool pending() const noexcept { return token_ != nullptr; }

    /** The challenge response (401/407) and the request it challenged, for
     * inspection (pjshim_rx_data_get_hdr, pjshim_tx_data_get_hdr); nullptr
     * once the challenge is finished. */
    const pjsip_rx_data *response() const noexcept { return rdata_; }
    const pjsip_tx_data *request() const noexcept { return tdata_; }

    /** Answers with the session's credentials: pjsip_auth_clt_reinit_req,
     * then pjsip_auth_clt_async_send_req. Throws (or returns) PJ_EINVALIDOP
     * when the challenge is empty (finished, or moved from), PJ_EINVAL when
     * its token is dead (the session is gone; the challenge is then empty),
     * set_credentials' or reinit_req's status when no answer could be computed
     * (PJSIP_ENOCREDENTIAL, PJSIP_EFAILEDCREDENTIAL, ...: the challenge then
     * stays pending, to respond with other credentials or to abandon), or
     * send_impl's status (the challenge is finished either way). */
    PJSHIM_CPP_NODISCARD result_t respond() { return detail::check(respond_status(nullptr), "respond"); }

    /** As respond(), after replacing the session's credentials with `creds`. */
    PJSHIM_CPP_NODISCARD result_t respond(const std::vector<Credential> &creds)
    {
        return detail::check(respond_status(&creds), "respond");
    }

    /** Gives the challenge up: pjsip_auth_clt_async_abandon (the transaction's
     * abandon_impl runs once). Throws (or returns) PJ_EINVALIDOP when the
     * challenge is empty, PJ_EINVAL when its token is dead (session gone).
     * The challenge is empty afterwards in every case. */
    PJSHIM_CPP_NODISCARD result_t abandon() { return detail::check(abandon_status(), "abandon"); }

private:
    friend struct detail::SessionCore;

    AuthChallenge(std::weak_ptr<detail::SessionCore> core, void *token, pjsip_rx_data *rdata,
                  pjsip_tx_data *tdata) noexcept
        : core_(std::move(core)), token_(token), rdata_(rdata), tdata_(tdata)
    {
    }

    void take(AuthChallenge &other) noexcept
    {
        core_ = std::move(other.core_);
        token_ = std::exchange(other.token_, nullptr);
        rdata_ = std::exchange(other.rdata_, nullptr);
        tdata_ = std::exchange(other.tdata_, nullptr);
    }

    /* Drops the two message references; the token is no longer ours. */
    void release() noexcept
    {
        token_ = nullptr;
        core_.reset();
        if (rdata_)
            pjsip_rx_data_free_cloned(std::exchange(rdata_, nullptr));
        if (tdata_)
            pjsip_tx_data_dec_ref(std::exchange(tdata_, nullptr));
    }

    pj_status_t respond_status(const std::vector<Credential> *creds)
    {
        if (!token_)
            return PJ_EINVALIDOP;
        std::shared_ptr<detail::SessionCore> core = core_.lock();
        if (!core) {
            release(); /* revoked with the session: nothing of it to touch */
            return PJ_EINVAL;
        }
        pjsip_auth_clt_sess *sess = &core->sess;
        if (creds) {
            pj_status_t st = detail::set_credentials(sess, *creds);
            if (st != PJ_SUCCESS)
                return st;
        }
        pjsip_tx_data *answer = nullptr;
        pj_status_t st = pjsip_auth_clt_reinit_req(sess, rdata_, tdata_, &answer);
        if (st != PJ_SUCCESS)
            return st;
        st = pjsip_auth_clt_async_send_req(sess, token_, answer);
        if (st == PJ_EINVAL) {
            /* The token was dead (revoked, or consumed elsewhere): the answer's
             * reference is still ours. */
            pjsip_tx_data_dec_ref(answer);
        }
        release();
        return st;
    }

    pj_status_t abandon_status()
    {
        if (!token_)
            return PJ_EINVALIDOP;
        std::shared_ptr<detail::SessionCore> core = core_.lock();
        pj_status_t st = core ? pjsip_auth_clt_async_abandon(&core->sess, token_) : PJ_EINVAL;
        release();
        return st;
    }

    void finish_quietly() noexcept
    {
        if (token_)
            (void)abandon_status();
    }

    std::weak_ptr<detail::SessionCore> core_;
    void *token_ = nullptr;
    pjsip_rx_data *rdata_ = nullptr; /* a clone, ours to free */
    pjsip_tx_data *tdata_ = nullptr; /* one reference of ours */
};

/** An RAII pjsip_auth_clt_sess. Movable; not copyable. */
class ClientSession {
public:
    /** pjsip_auth_clt_init (no endpoint, no pool: none is needed). Throws on
     * failure, or (PJSHIM_CPP_NO_EXCEPTIONS) leaves status() set. */
    ClientSession() : core_(new detail::SessionCore) /* not make_shared: see below */
    {
#ifndef PJSHIM_CPP_NO_EXCEPTIONS
        detail::check(core_->init_status, "pjsip_auth_clt_init");
#endif
    }
    ClientSession(const ClientSession &) = delete;
    ClientSession &operator=(const ClientSession &) = delete;
    ClientSession(ClientSession &&) noexcept = default;
    ClientSession &operator=(ClientSession &&) noexcept = default;
    /** pjsip_auth_clt_deinit: pending challenges are revoked (their
     * transactions' abandon_impl runs once each). A respond() running on
     * another thread at that moment finishes first. */
    ~ClientSession() = default;

    /** PJ_SUCCESS when the session was set up (and not moved from). */
    pj_status_t status() const noexcept { return core_ ? core_->init_status : PJ_EINVALIDOP; }
    explicit operator bool() const noexcept { return status() == PJ_SUCCESS; }

    /** The C session, for the SIP stack's side (pjsip_auth_clt_async_impl_on_challenge,
     * pjsip_auth_clt_init_req, regc) or any C call; valid while this object lives. */
    pjsip_auth_clt_sess *native() noexcept { return core_ ? &core_->sess : nullptr; }

    /** Replaces the credentials (pjsip_auth_clt_set_credentials). Throws on failure. */
    PJSHIM_CPP_NODISCARD result_t set_credentials(const std::vector<Credential> &creds)
    {
        if (!core_)
            return detail::check(PJ_EINVALIDOP, "set_credentials");
        return detail::check(detail::set_credentials(&core_->sess, creds),
                             "pjsip_auth_clt_set_credentials");
    }

    /** Handles challenges asynchronously (pjsip_auth_clt_async_configure):
     * each one is handed to `handler` as an AuthChallenge. Replacing the
     * handler is safe while challenges arrive on other threads. Throws on failure. */
    PJSHIM_CPP_NODISCARD result_t on_challenge(ChallengeHandler handler)
    {
        if (!core_ || !handler)
            return detail::check(PJ_EINVAL, "on_challenge");
        {
            std::lock_guard<std::mutex> g(core_->handler_lock);
            core_->handler = std::make_shared<ChallengeHandler>(std::move(handler));
        }
        pjsip_auth_clt_async_setting opt{};
        opt.cb = &detail::SessionCore::on_challenge;
        opt.user_data = core_.get();
        return detail::check(pjsip_auth_clt_async_configure(&core_->sess, &opt),
                             "pjsip_auth_clt_async_configure");
    }

    /** Challenges pending on this session (pjshim_auth_clt_async_pending). */
    unsigned pending() noexcept { return core_ ? pjshim_auth_clt_async_pending(&core_->sess) : 0; }

    /** Tokens outstanding in the whole process (pjshim_async_live_tokens). */
    static unsigned live_tokens() noexcept { return pjshim_async_live_tokens(); }

private:
    /* Allocated apart from its control block, so that its memory is freed
     * with the last strong reference even while challenges hold weak ones:
     * a wrapper bug touching a dead session is then a use-after-free that
     * AddressSanitizer reports (cpp-tests run under it). */
    std::shared_ptr<detail::SessionCore> core_;
};

inline pj_bool_t detail::SessionCore::on_challenge(pjsip_auth_clt_sess *sess, void *token,
                                                   const pjsip_auth_clt_async_on_chal_param *param)
{
    (void)sess;
    auto *self = static_cast<SessionCore *>(param->user_data);
    std::shared_ptr<ChallengeHandler> handler;
    {
        std::lock_guard<std::mutex> g(self->handler_lock);
        handler = self->handler;
    }
    pjsip_rx_data *clone = nullptr;
    if (!handler || pjsip_rx_data_clone(param->rdata, 0, &clone) != PJ_SUCCESS)
        return PJ_FALSE; /* the library invalidates the token; the stack falls back */
    pjsip_tx_data_add_ref(param->tdata);
    AuthChallenge challenge(self->weak_from_this(), token, clone, param->tdata);
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    try {
        (*handler)(std::move(challenge));
    } catch (...) {
        /* Nothing may unwind into the library; a challenge the handler did not
         * keep was abandoned by its destructor during unwinding. */
    }
#else
    (*handler)(std::move(challenge));
#endif
    return PJ_TRUE; /* handled: a challenge object always ends its token */
}

#undef PJSHIM_CPP_NODISCARD

} // namespace pjshim

#endif
