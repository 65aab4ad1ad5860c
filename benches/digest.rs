//! Digest engine costs: one response (core), parsing a typical 401 value,
//! and the C entry point pjsip_auth_create_digest2, with the same inputs
//! every call (the per-thread memos of HA1, HA2 and SHA-256's HA1 block
//! hit: `digest::memo`) and with a new password and URI every call out of
//! more than the memo keeps (every HA1 and HA2 is hashed: the cold cost).

use criterion::{criterion_group, criterion_main, Criterion};
use pjsip_auth_shim::digest::{self, Algorithm, Qop, QopParams};
use pjsip_auth_shim::ffi::auth_types::{pjsip_cred_info, pjsip_cred_info_aka, pjsip_cred_info_ext};
use pjsip_auth_shim::ffi::digest::pjsip_auth_create_digest2;
use pjsip_auth_shim::ffi::types::pj_str_t;
use std::hint::black_box;

const NONCE: &[u8] = b"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const CNONCE: &[u8] = b"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
const CHALLENGE: &[u8] = b"Digest realm=\"sip.example.com\", \
    nonce=\"5f2a8c1e9b7d4a3f0e6c2b1a9d8e7f6a5b4c3d2e\", opaque=\"c2lwLmV4YW1wbGUuY29t\", \
    algorithm=SHA-256, qop=\"auth,auth-int\", stale=FALSE";

fn core_response(alg: Algorithm) -> digest::Hex {
    let ha1 = digest::ha1(
        alg,
        black_box(b"Mufasa"),
        b"http-auth@example.org",
        b"Circle of Life",
        NONCE,
        CNONCE,
    );
    let ha2 = digest::ha2(alg, b"REGISTER", b"sip:example.org", Some(Qop::Auth), b"");
    let q = QopParams {
        qop: Qop::Auth,
        nc: b"00000001",
        cnonce: CNONCE,
    };
    digest::response(alg, &ha1, NONCE, Some(q), &ha2)
}

fn ffi_response(alg_type: i32) -> i32 {
    ffi_response_with(alg_type, b"Circle of Life", b"sip:example.org")
}

/// Passwords and URIs cycled through by the cold benches: more than the
/// memo's four entries per kind, so every call misses.
const COLD: [(&[u8], &[u8]); 8] = [
    (b"pass-0", b"sip:0.example.org"),
    (b"pass-1", b"sip:1.example.org"),
    (b"pass-2", b"sip:2.example.org"),
    (b"pass-3", b"sip:3.example.org"),
    (b"pass-4", b"sip:4.example.org"),
    (b"pass-5", b"sip:5.example.org"),
    (b"pass-6", b"sip:6.example.org"),
    (b"pass-7", b"sip:7.example.org"),
];

fn ffi_response_with(alg_type: i32, password: &[u8], uri: &[u8]) -> i32 {
    let s = pj_str_t::borrowing;
    let cred = pjsip_cred_info {
        realm: s(b"*"),
        scheme: s(b"digest"),
        username: s(b"Mufasa"),
        data_type: 0,
        data: s(password),
        algorithm_type: 0,
        ext: pjsip_cred_info_ext {
            aka: pjsip_cred_info_aka {
                k: pj_str_t::EMPTY,
                op: pj_str_t::EMPTY,
                amf: pj_str_t::EMPTY,
                cb: None,
            },
        },
    };
    let mut buf = [0u8; 64];
    let mut result = pj_str_t::borrowing(&buf);
    result.ptr = buf.as_mut_ptr().cast();
    let (nonce, nc, cnonce, qop) = (s(NONCE), s(b"00000001"), s(CNONCE), s(b"auth"));
    let (uri, realm, method) = (s(uri), s(b"http-auth@example.org"), s(b"REGISTER"));
    // SAFETY: every pointer refers to a live local; buf holds 64 bytes.
    unsafe {
        pjsip_auth_create_digest2(
            &mut result,
            &nonce,
            &nc,
            &cnonce,
            &qop,
            &uri,
            &realm,
            black_box(&cred),
            &method,
            alg_type,
        )
    }
}

fn benches(c: &mut Criterion) {
    c.bench_function("core response MD5", |b| {
        b.iter(|| core_response(black_box(Algorithm::Md5)))
    });
    c.bench_function("core response SHA-256", |b| {
        b.iter(|| core_response(black_box(Algorithm::Sha256)))
    });
    c.bench_function("parse 401 challenge", |b| {
        b.iter(|| {
            let all = digest::parse_challenges(black_box(CHALLENGE));
            all.into_iter()
                .flatten()
                .filter(|c| c.to_digest().is_ok())
                .count()
        })
    });
    c.bench_function("ffi create_digest2 MD5", |b| {
        b.iter(|| ffi_response(black_box(1)))
    });
    c.bench_function("ffi create_digest2 SHA-256", |b| {
        b.iter(|| ffi_response(black_box(2)))
    });
    for (name, alg) in [("MD5", 1), ("SHA-256", 2)] {
        let mut i = 0;
        c.bench_function(&format!("ffi create_digest2 {name}, cold memo"), |b| {
            b.iter(|| {
                i = (i + 1) % COLD.len();
                let (password, uri) = COLD[i];
                ffi_response_with(black_box(alg), password, uri)
            })
        });
    }
}

criterion_group!(digest_benches, benches);
criterion_main!(digest_benches);
