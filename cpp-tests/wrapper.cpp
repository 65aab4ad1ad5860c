// pjsip_auth_shim.hpp with exceptions (the default): deferred respond from
// another thread, destruction without a decision, moves, a challenge
// outliving its session, errors, a throwing handler. Each scenario checks the
// transaction's send/abandon counts, its group-lock references and the
// library's token counters, so a leak or a double abandon fails.
#include <optional>
#include <thread>
#include <vector>

#include "fixture.hpp"

using pjshim::AuthChallenge;
using pjshim::ClientSession;

static void no_tokens_left(ClientSession &s)
{
    CHECK_EQ(s.pending(), 0);
    CHECK_EQ(ClientSession::live_tokens(), 0);
}

static pj_status_t status_of(const std::function<void()> &f)
{
    try {
        f();
    } catch (const pjshim::Error &e) {
        return e.status();
    }
    return PJ_SUCCESS;
}

static void deferred_respond_from_another_thread()
{
    Owner o;
    ClientSession s;
    std::optional<AuthChallenge> kept;
    std::thread::id handler_thread;
    s.on_challenge([&](AuthChallenge c) {
        handler_thread = std::this_thread::get_id();
        kept.emplace(std::move(c));
    });
    CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS);
    CHECK(kept && kept->pending());
    CHECK_EQ(s.pending(), 1);
    CHECK_EQ(o.refs(), 2);
    CHECK(kept->response() != nullptr && kept->request() == o.tdata);

    std::thread worker([&] {
        CHECK(std::this_thread::get_id() != handler_thread);
        AuthChallenge mine = std::move(*kept); // moved across threads
        mine.respond({alice()});               // credentials from "the vault"
        CHECK(!mine.pending());
    });
    worker.join();
    CHECK(o.ended(1, 0));
    CHECK(o.sent_with_auth);
    no_tokens_left(s);
}

static void respond_with_session_credentials_inside_handler()
{
    Owner o;
    ClientSession s;
    s.set_credentials({alice()});
    s.on_challenge([](AuthChallenge c) { c.respond(); });
    CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS);
    CHECK(o.ended(1, 0));
    CHECK(o.sent_with_auth);
    no_tokens_left(s);
}

static void destruction_without_decision()
{
    Owner o;
    ClientSession s;
    // The handler lets the challenge go: abandoned inside, exactly once.
    s.on_challenge([](AuthChallenge) {});
    CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS);
    CHECK(o.ended(0, 1));
    no_tokens_left(s);

    // Kept, then destroyed later on another thread.
    Owner o2;
    std::optional<AuthChallenge> kept;
    s.on_challenge([&](AuthChallenge c) { kept.emplace(std::move(c)); });
    CHECK_EQ(o2.challenge(s.native()), PJ_SUCCESS);
    CHECK_EQ(o2.abandons.load(), 0);
    std::thread([&] { kept.reset(); }).join();
    CHECK(o2.ended(0, 1));
    no_tokens_left(s);
}

static void moves()
{
    Owner a, b;
    ClientSession s;
    std::vector<AuthChallenge> got;
    s.on_challenge([&](AuthChallenge c) { got.push_back(std::move(c)); });
    CHECK_EQ(a.challenge(s.native()), PJ_SUCCESS);
    CHECK_EQ(b.challenge(s.native()), PJ_SUCCESS);
    CHECK_EQ(got.size(), 2);
    CHECK_EQ(s.pending(), 2);

    // Move construction: the source is empty and its destructor does nothing.
    AuthChallenge first(std::move(got[0]));
    CHECK(first.pending() && !got[0].pending());
    CHECK_EQ(status_of([&] { got[0].respond(); }), PJ_EINVALIDOP);
    CHECK_EQ(status_of([&] { got[0].abandon(); }), PJ_EINVALIDOP);
    got.erase(got.begin());
    CHECK_EQ(a.abandons.load(), 0);

    // Move assignment onto a pending challenge abandons that one (a's).
    first = std::move(got[0]);
    CHECK(a.ended(0, 1));
    CHECK_EQ(b.abandons.load() + b.sends.load(), 0);
    // Self-move leaves it pending.
    AuthChallenge &alias = first;
    first = std::move(alias);
    CHECK(first.pending());
    first.respond({alice()});
    CHECK(b.ended(1, 0));
    got.clear(); // moved-from ones: nothing happens
    CHECK(a.ended(0, 1) && b.ended(1, 0));
    no_tokens_left(s);
}

static void challenge_outlives_session()
{
    Owner o;
    std::optional<AuthChallenge> kept;
    {
        ClientSession s;
        s.on_challenge([&](AuthChallenge c) { kept.emplace(std::move(c)); });
        CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS);
        CHECK_EQ(ClientSession::live_tokens(), 1);
    } // deinit revokes the token: abandon_impl once, its reference dropped
    CHECK(o.ended(0, 1));
    CHECK_EQ(ClientSession::live_tokens(), 0);
    CHECK(kept->pending());
    // The session's memory is gone (ASan would see a touch); the token is dead.
    CHECK_EQ(status_of([&] { kept->respond({alice()}); }), PJ_EINVAL);
    CHECK(!kept->pending());
    kept.reset();
    CHECK(o.ended(0, 1));

    // Destroyed without being used after its session: still one abandon only.
    Owner o2;
    {
        ClientSession s;
        s.on_challenge([&](AuthChallenge c) { kept.emplace(std::move(c)); });
        CHECK_EQ(o2.challenge(s.native()), PJ_SUCCESS);
    }
    kept.reset();
    CHECK(o2.ended(0, 1));
    CHECK_EQ(ClientSession::live_tokens(), 0);
}

static void errors_leave_the_challenge_pending()
{
    Owner o;
    ClientSession s;
    std::optional<AuthChallenge> kept;
    s.on_challenge([&](AuthChallenge c) { kept.emplace(std::move(c)); });
    CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS);
    // No credentials: reinit_req cannot answer; the challenge stays pending.
    pj_status_t st = status_of([&] { kept->respond(); });
    CHECK_EQ(st, PJSIP_ENOCREDENTIAL);
    CHECK(kept->pending());
    CHECK_EQ(o.sends.load() + o.abandons.load(), 0);
    try {
        kept->respond();
        CHECK(false);
    } catch (const pjshim::Error &e) {
        CHECK(std::string(e.what()).find("respond") == 0);
    }
    kept->respond({alice()});
    CHECK(o.ended(1, 0));
    // Once finished, both calls say so.
    CHECK_EQ(status_of([&] { kept->abandon(); }), PJ_EINVALIDOP);
    no_tokens_left(s);
}

static void throwing_handler_abandons()
{
    Owner o;
    ClientSession s;
    s.on_challenge([](AuthChallenge) { throw std::runtime_error("handler failed"); });
    CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS); // nothing unwound into the library
    CHECK(o.ended(0, 1));
    no_tokens_left(s);
}

static void session_moves_keep_challenges_working()
{
    Owner o;
    ClientSession s;
    std::optional<AuthChallenge> kept;
    s.on_challenge([&](AuthChallenge c) { kept.emplace(std::move(c)); });
    CHECK_EQ(o.challenge(s.native()), PJ_SUCCESS);
    ClientSession moved(std::move(s));
    CHECK(!s && moved);
    CHECK(s.native() == nullptr);
    CHECK_EQ(status_of([&] { s.set_credentials({alice()}); }), PJ_EINVALIDOP);
    kept->respond({alice()});
    CHECK(o.ended(1, 0));
    no_tokens_left(moved);
}

int main()
{
    deferred_respond_from_another_thread();
    respond_with_session_credentials_inside_handler();
    destruction_without_decision();
    moves();
    challenge_outlives_session();
    errors_leave_the_challenge_pending();
    throwing_handler_abandons();
    session_moves_keep_challenges_working();
    return test_done("wrapper");
}
