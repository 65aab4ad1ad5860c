// The async challenge flow from C++ with the header-only wrapper: a REGISTER
// is challenged by an in-process registrar (pjsip_auth_srv); the challenge
// handler moves the AuthChallenge to a vault worker (std::thread), which
// fetches the password slowly and answers with respond(creds). The registrar
// verifies the answer. No thread is registered with the library.
//
// The C version is examples/c/vault_async.c. Built and run by
// `cargo test --test cpp_tests` (also under ASan+UBSan). Exits 0 when the
// registrar accepted the answer and no token was left behind.
#include <pjsip_auth_shim.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace {

const char kRealm[] = "example.com";
const char kRegister[] = "REGISTER sip:registrar.example.com SIP/2.0\r\n"
                         "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKvaultcpp\r\n"
                         "Max-Forwards: 70\r\n"
                         "From: <sip:alice@example.com>;tag=c1\r\n"
                         "To: <sip:alice@example.com>\r\n"
                         "Call-ID: vault-cpp@127.0.0.1\r\n"
                         "CSeq: 1 REGISTER\r\n"
                         "Contact: <sip:alice@127.0.0.1:5070>\r\n"
                         "Content-Length: 0\r\n\r\n";

// The vault: the one place the password lives (slow on purpose).
std::optional<std::string> vault_fetch(const std::string &user)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (user != "alice")
        return std::nullopt;
    return std::string("correct horse battery staple");
}

pjsip_auth_srv registrar;
char registrar_secret[64];

pj_status_t registrar_lookup(pj_pool_t *, const pj_str_t *, const pj_str_t *acc_name,
                             pjsip_cred_info *cred)
{
    std::string user(acc_name->ptr, static_cast<size_t>(acc_name->slen));
    auto secret = vault_fetch(user);
    if (!secret || secret->size() >= sizeof registrar_secret)
        return PJ_ENOTFOUND;
    std::snprintf(registrar_secret, sizeof registrar_secret, "%s", secret->c_str());
    std::memset(cred, 0, sizeof *cred);
    cred->realm = pj_str(const_cast<char *>(kRealm));
    cred->username = *acc_name;
    cred->data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred->data = pj_str(registrar_secret);
    return PJ_SUCCESS;
}

// A message as the other side receives it: printed, then parsed.
pjsip_rx_data *over_the_wire(const pjsip_tx_data *tdata)
{
    char buf[4096];
    pj_size_t len = 0;
    pjsip_rx_data *rdata = nullptr;
    if (pjshim_tx_data_print(tdata, buf, sizeof buf, &len) != PJ_SUCCESS ||
        pjshim_rx_data_parse(buf, len, &rdata) != PJ_SUCCESS)
        return nullptr;
    return rdata;
}

// The transaction that was challenged: what a SIP stack owns.
std::mutex lock;
std::condition_variable changed;
bool done = false;
int final_code = 0;

void finish(int code)
{
    std::lock_guard<std::mutex> g(lock);
    final_code = code;
    done = true;
    changed.notify_all();
}

pj_status_t tsx_send(pjsip_auth_clt_sess *, void *, pjsip_tx_data *req)
{
    int code = 500;
    if (pjsip_rx_data *rx = over_the_wire(req)) {
        pjsip_auth_srv_verify(&registrar, rx, &code);
        pjsip_rx_data_free_cloned(rx);
    }
    std::printf("    |--- REGISTER --->|   (Authorization, from the vault thread)\n");
    std::printf("    |<--- %d --------|\n", code);
    pjsip_tx_data_dec_ref(req); // send_impl owns the new request's reference
    finish(code);
    return PJ_SUCCESS;
}

void tsx_abandon(pjsip_auth_clt_sess *, void *)
{
    std::printf("    (challenge abandoned)\n");
    finish(0);
}

} // namespace

int main()
{
    int failures = 0;
    auto expect = [&failures](bool ok, const char *what) {
        if (!ok) {
            std::fprintf(stderr, "vault_async_cpp: expected %s\n", what);
            failures++;
        }
    };

    pj_caching_pool cp;
    expect(pj_init() == PJ_SUCCESS, "pj_init");
    pj_caching_pool_init(&cp, nullptr, 0);
    pj_pool_t *pool = pj_pool_create(&cp.factory, "example", 4000, 4000, nullptr);
    pj_grp_lock_t *glock = nullptr;
    expect(pj_grp_lock_create(pool, nullptr, &glock) == PJ_SUCCESS, "group lock");
    pj_grp_lock_add_ref(glock); // the transaction's own reference
    pj_str_t realm = pj_str(const_cast<char *>(kRealm));
    expect(pjsip_auth_srv_init(pool, &registrar, &realm, &registrar_lookup, 0) == PJ_SUCCESS,
           "registrar");

    std::thread vault;
    {
        pjshim::ClientSession session; // no credentials yet
        session.on_challenge([&vault](pjshim::AuthChallenge challenge) {
            // On the stack's thread: keep the challenge, answer it elsewhere.
            vault = std::thread([c = std::move(challenge)]() mutable {
                auto secret = vault_fetch("alice");
                if (secret)
                    c.respond({pjshim::Credential::password(kRealm, "alice", *secret)});
                // With no secret, c's destructor abandons the challenge.
            });
        });

        pjsip_tx_data *request = nullptr;
        expect(pjshim_tx_data_parse(kRegister, sizeof kRegister - 1, &request) == PJ_SUCCESS,
               "request");
        // The registrar's 401, as the client receives it.
        pjsip_rx_data *seen = over_the_wire(request), *challenge = nullptr;
        pjsip_tx_data *chal = nullptr;
        if (seen && pjshim_tx_data_create_response(seen, 401, "Unauthorized", &chal) == PJ_SUCCESS &&
            pjsip_auth_srv_challenge(&registrar, nullptr, nullptr, nullptr, PJ_FALSE, chal) ==
                PJ_SUCCESS)
            challenge = over_the_wire(chal);
        if (chal)
            pjsip_tx_data_dec_ref(chal);
        if (seen)
            pjsip_rx_data_free_cloned(seen);
        expect(challenge != nullptr, "a 401");
        std::printf("  alice            registrar\n    |--- REGISTER --->|\n"
                    "    |<--- 401 --------|   (challenge moved to the vault thread)\n");

        // The stack's side: one group-lock reference for the token.
        pjsip_auth_clt_async_impl_token impl{};
        impl.send_impl = &tsx_send;
        impl.abandon_impl = &tsx_abandon;
        impl.grp_lock = glock;
        pjsip_auth_clt_async_on_chal_param prm{};
        prm.tdata = request;
        prm.rdata = challenge;
        if (challenge) {
            pj_grp_lock_add_ref(glock);
            pj_status_t st = pjsip_auth_clt_async_impl_on_challenge(session.native(), &impl, &prm);
            if (st != PJ_SUCCESS)
                pj_grp_lock_dec_ref(glock);
            expect(st == PJ_SUCCESS, "impl_on_challenge");
            pjsip_rx_data_free_cloned(challenge); // the wrapper kept a clone
            std::unique_lock<std::mutex> g(lock);
            changed.wait_for(g, std::chrono::seconds(10), [] { return done; });
        }
        if (vault.joinable())
            vault.join();
        expect(done && final_code == 200, "the registrar's 200");
        expect(session.pending() == 0, "no pending challenge");
        if (request)
            pjsip_tx_data_dec_ref(request);
    } // the session ends here (pjsip_auth_clt_deinit)

    expect(pjshim::ClientSession::live_tokens() == 0, "no live token");
    expect(pj_grp_lock_get_ref(glock) == 1, "the token's reference dropped");
    pj_grp_lock_dec_ref(glock);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    pj_shutdown();

    if (failures)
        return 1;
    std::printf("vault_async_cpp: registered as alice with credentials fetched on a worker thread\n");
    return 0;
}
