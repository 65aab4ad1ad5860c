//! The SIP message model: parsing realistic messages, header lookup and
//! edits, printing, responses, and rejection of malformed input.

use pjsip_auth_shim::sip::{Header, SipMessage, StartLine};
use pjsip_auth_shim::status::Error;

const REGISTER: &str = "REGISTER sip:example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKabc123\r\n\
Max-Forwards: 70\r\n\
From: \"Alice\" <sip:alice@example.com>;tag=a73kszlfl\r\n\
To: \"Alice\" <sip:alice@example.com>\r\n\
Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.1\r\n\
CSeq: 1 REGISTER\r\n\
Contact: <sip:alice@192.0.2.1:5060>\r\n\
Expires: 3600\r\n\
Content-Length: 0\r\n\
\r\n";

const UNAUTHORIZED: &str = "SIP/2.0 401 Unauthorized\r\n\
Via: SIP/2.0/UDP 192.0.2.1:5060;rport=5060;branch=z9hG4bKabc123;received=192.0.2.1\r\n\
From: \"Alice\" <sip:alice@example.com>;tag=a73kszlfl\r\n\
To: \"Alice\" <sip:alice@example.com>;tag=1410948204\r\n\
Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.1\r\n\
CSeq: 1 REGISTER\r\n\
WWW-Authenticate: Digest realm=\"example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", algorithm=SHA-256, qop=\"auth,auth-int\", opaque=\"\"\r\n\
WWW-Authenticate: Digest realm=\"example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", algorithm=MD5, qop=\"auth\"\r\n\
Content-Length: 0\r\n\
\r\n";

const PROXY_AUTH: &str = "SIP/2.0 407 Proxy Authentication Required\r\n\
v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
f: <sip:bob@example.org>;tag=9\r\n\
t: <sip:carol@example.org>;tag=8\r\n\
i: abc\r\n\
CSeq: 2 INVITE\r\n\
Proxy-Authenticate: Digest realm=\"proxy, inc\", nonce=\"n1\", stale=FALSE\r\n\
l: 0\r\n\
\r\n";

fn parse(s: &str) -> Result<SipMessage, Error> {
    SipMessage::parse(s.as_bytes())
}

#[test]
fn parses_a_register() {
    let m = parse(REGISTER).unwrap();
    assert_eq!(
        m.start,
        StartLine::Request {
            method: "REGISTER".into(),
            uri: "sip:example.com".into(),
            version: "SIP/2.0".into()
        }
    );
    assert_eq!(m.method(), Some("REGISTER"));
    assert_eq!(m.request_uri(), Some("sip:example.com"));
    assert_eq!(m.status_code(), None);
    assert_eq!(m.headers.len(), 9);
    assert_eq!(m.header("expires", 0), Some("3600"));
    assert_eq!(m.cseq(), Some((1, "REGISTER")));
    assert_eq!(m.top_via_branch(), Some("z9hG4bKabc123"));
    assert!(m.body().is_empty());
    m.check_mandatory().unwrap();
}

#[test]
fn parses_a_401_with_challenges_kept_whole() {
    let m = parse(UNAUTHORIZED).unwrap();
    assert_eq!(m.status_code(), Some(401));
    assert_eq!(m.reason(), Some("Unauthorized"));
    assert_eq!(m.method(), None);
    let chal: Vec<&str> = m.headers_named("www-authenticate").collect();
    assert_eq!(chal.len(), 2);
    assert!(chal[0].starts_with("Digest realm=\"example.com\", nonce="));
    assert!(chal[0].ends_with("opaque=\"\""));
    assert_eq!(m.header("WWW-Authenticate", 1), Some(chal[1]));
    assert_eq!(m.header("WWW-Authenticate", 2), None);
}

#[test]
fn parses_a_407_with_compact_forms() {
    let m = parse(PROXY_AUTH).unwrap();
    assert_eq!(m.status_code(), Some(407));
    assert_eq!(m.reason(), Some("Proxy Authentication Required"));
    m.check_mandatory().unwrap();
    assert_eq!(
        m.header("Via", 0),
        Some("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1")
    );
    assert_eq!(m.header("call-id", 0), Some("abc"));
    assert_eq!(m.header("TO", 0), Some("<sip:carol@example.org>;tag=8"));
    assert_eq!(
        m.header("proxy-authenticate", 0),
        Some("Digest realm=\"proxy, inc\", nonce=\"n1\", stale=FALSE")
    );
    // The name is kept as received.
    assert_eq!(m.headers[0].name, "v");
    // And the other way round: compact name, full header.
    let r = parse(REGISTER).unwrap();
    assert_eq!(r.header("i", 0), Some("1j9FpLxk3uxtm8tn@192.0.2.1"));
    assert_eq!(r.header("m", 0), Some("<sip:alice@192.0.2.1:5060>"));
    assert_eq!(r.header("L", 0), Some("0"));
}

#[test]
fn folding_joins_lines_with_one_space() {
    let m = parse(
        "SIP/2.0 401 Unauthorized\r\n\
         WWW-Authenticate: Digest realm=\"a\",\r\n   nonce=\"b\",\r\n\t qop=\"auth\"\r\n\
         Subject:\r\n  folded\r\n\
         \r\n",
    )
    .unwrap();
    assert_eq!(
        m.header("WWW-Authenticate", 0),
        Some("Digest realm=\"a\", nonce=\"b\", qop=\"auth\"")
    );
    assert_eq!(m.header("s", 0), Some("folded"));
}

#[test]
fn lf_only_and_whitespace_around_colon() {
    let m = parse(
        "\r\n\nOPTIONS sip:x@y SIP/2.0\nVia  :  SIP/2.0/TCP h;branch=z9hG4bKq  \nX-Empty:\nContent-Length : 4\n\nbodyEXTRA",
    )
    .unwrap();
    assert_eq!(m.method(), Some("OPTIONS"));
    assert_eq!(m.header("via", 0), Some("SIP/2.0/TCP h;branch=z9hG4bKq"));
    assert_eq!(m.header("x-empty", 0), Some(""));
    assert_eq!(m.body(), b"body");
}

#[test]
fn body_without_content_length_is_the_rest() {
    let m =
        parse("MESSAGE sip:a@b SIP/2.0\r\nContent-Type: text/plain\r\n\r\nhello\r\nworld").unwrap();
    assert_eq!(m.body(), b"hello\r\nworld");
    // Without a blank line at all there is no body.
    let m = parse("MESSAGE sip:a@b SIP/2.0\r\nContent-Type: text/plain").unwrap();
    assert!(m.body().is_empty());
    assert_eq!(m.header("c", 0), Some("text/plain"));
}

#[test]
fn malformed_start_lines_are_invalid_msg() {
    for bad in [
        "",
        "\r\n\r\n",
        "REGISTER sip:x\r\n\r\n",
        "REGISTER sip:x SIP/2.0 extra\r\n\r\n",
        "REGISTER sip:x SIP/3.0\r\n\r\n",
        "REG(ISTER sip:x SIP/2.0\r\n\r\n",
        "SIP/2.0 99 Low\r\n\r\n",
        "SIP/2.0 700 High\r\n\r\n",
        "SIP/2.0 2000 OK\r\n\r\n",
        "SIP/2.0 20 OK\r\n\r\n",
        "SIP/2.0 abc OK\r\n\r\n",
        "SIP/1.0 200 OK\r\n\r\n",
        "SIP/2.0\r\n\r\n",
        "OPTIONS sip:x\0 SIP/2.0\r\n\r\n",
    ] {
        assert_eq!(parse(bad), Err(Error::InvalidMsg), "{bad:?}");
    }
    // A Content-Length beyond the buffer is a structural error.
    assert_eq!(
        parse("SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
        Err(Error::InvalidMsg)
    );
}

#[test]
fn malformed_headers_are_invalid_hdr() {
    for bad in [
        "NoColonHere",
        ": empty name",
        "Bad Name: x",
        "Bad(Name): x",
        "Content-Length: ten",
        "Content-Length: -1",
        "Content-Length: 99999999999999999999999",
        "l: 1x",
        "CSeq: one REGISTER",
        "CSeq: 1",
        "CSeq: 99999999999 REGISTER",
        "X-Ctl: a\u{1}b",
    ] {
        let msg = format!("SIP/2.0 200 OK\r\n{bad}\r\n\r\n");
        assert_eq!(parse(&msg), Err(Error::InvalidHdr), "{bad:?}");
    }
    // A continuation line with no header before it.
    assert_eq!(
        parse("SIP/2.0 200 OK\r\n folded\r\n\r\n"),
        Err(Error::InvalidHdr)
    );
    // Non-UTF-8 in a value.
    assert_eq!(
        SipMessage::parse(b"SIP/2.0 200 OK\r\nX: \xff\r\n\r\n"),
        Err(Error::InvalidHdr)
    );
}

#[test]
fn mandatory_headers_are_checked_separately() {
    let m = parse("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n").unwrap();
    assert_eq!(m.check_mandatory(), Err(Error::MissingHdr));
    let without_cseq = REGISTER.replace("CSeq: 1 REGISTER\r\n", "");
    assert_eq!(
        parse(&without_cseq).unwrap().check_mandatory(),
        Err(Error::MissingHdr)
    );
}

#[test]
fn too_long_is_rejected() {
    let mut big = REGISTER.as_bytes().to_vec();
    big.resize(64 * 1024 + 1, b'x');
    assert_eq!(SipMessage::parse(&big), Err(Error::MsgTooLong));
    big.truncate(64 * 1024);
    assert!(SipMessage::parse(&big).is_ok());
}

#[test]
fn print_is_canonical_and_recomputes_length() {
    let m = parse(
        &REGISTER
            .replace("\r\n", "\n")
            .replace("Content-Length: 0", "l: 0"),
    )
    .unwrap();
    let out = String::from_utf8(m.to_bytes()).unwrap();
    assert_eq!(out, REGISTER.replace("Content-Length: 0", "l: 0"));

    let mut m = parse(REGISTER).unwrap();
    m.body = b"v=0\r\n".to_vec();
    m.headers.push(Header::new("Content-Length", "77"));
    let out = String::from_utf8(m.to_bytes()).unwrap();
    assert!(out.contains("Expires: 3600\r\nContent-Length: 5\r\n\r\nv=0\r\n"));
    assert_eq!(out.matches("Content-Length").count(), 1);

    // Added at the end when missing.
    let m = parse("SIP/2.0 200 OK\r\nX: y\r\n\r\n").unwrap();
    assert_eq!(
        m.to_bytes(),
        b"SIP/2.0 200 OK\r\nX: y\r\nContent-Length: 0\r\n\r\n"
    );
}

#[test]
fn print_then_parse_round_trips() {
    for text in [REGISTER, UNAUTHORIZED, PROXY_AUTH] {
        let m = parse(text).unwrap();
        assert_eq!(SipMessage::parse(&m.to_bytes()).unwrap(), m);
        assert_eq!(String::from_utf8(m.to_bytes()).unwrap(), text);
    }
}

#[test]
fn header_edits() {
    let mut m = parse(REGISTER).unwrap();
    m.push_header(
        "Authorization",
        "Digest username=\"alice\", realm=\"example.com\"",
    );
    // Inserted before Content-Length.
    let names: Vec<&str> = m.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        &names[names.len() - 2..],
        ["Authorization", "Content-Length"]
    );
    m.push_header("Authorization", "Digest second");
    assert_eq!(m.headers_named("authorization").count(), 2);
    assert_eq!(m.remove_headers("AUTHORIZATION"), 2);
    assert_eq!(m.header("Authorization", 0), None);

    m.set_header("Expires", "60");
    assert_eq!(m.header("Expires", 0), Some("60"));
    assert_eq!(m.headers_named("expires").count(), 1);
    m.set_header("Max-Forwards", "69");
    m.set_header("User-Agent", "shim");
    assert_eq!(m.header("user-agent", 0), Some("shim"));

    m.set_cseq(2, "REGISTER");
    assert_eq!(m.cseq(), Some((2, "REGISTER")));

    // A push with no Content-Length goes to the end.
    let mut r = parse("SIP/2.0 200 OK\r\nA: 1\r\n\r\n").unwrap();
    r.push_header("B", "2");
    assert_eq!(r.headers.last().unwrap().name, "B");
}

#[test]
fn top_via_branch_edits() {
    let mut m = parse(
        "OPTIONS sip:x SIP/2.0\r\n\
         Via: SIP/2.0/UDP a;rport;branch=z9hG4bKone;x=\"q,;\", SIP/2.0/UDP b;branch=z9hG4bKtwo\r\n\
         Via: SIP/2.0/UDP c;branch=z9hG4bKthree\r\n\r\n",
    )
    .unwrap();
    assert_eq!(m.top_via_branch(), Some("z9hG4bKone"));
    assert!(m.clear_top_via_branch());
    assert_eq!(m.top_via_branch(), None);
    assert_eq!(
        m.header("Via", 0),
        Some("SIP/2.0/UDP a;rport;x=\"q,;\", SIP/2.0/UDP b;branch=z9hG4bKtwo")
    );
    assert!(!m.clear_top_via_branch());
    m.set_top_via_branch("z9hG4bKnew").unwrap();
    assert_eq!(
        m.header("Via", 0),
        Some("SIP/2.0/UDP a;rport;x=\"q,;\";branch=z9hG4bKnew, SIP/2.0/UDP b;branch=z9hG4bKtwo")
    );
    m.set_top_via_branch("z9hG4bKnewer").unwrap();
    assert_eq!(m.top_via_branch(), Some("z9hG4bKnewer"));
    assert_eq!(
        m.header("Via", 1),
        Some("SIP/2.0/UDP c;branch=z9hG4bKthree")
    );

    // A branch at the end, and no Via at all.
    let mut m =
        parse("OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/UDP a ;branch=z9hG4bK1\r\n\r\n").unwrap();
    assert!(m.clear_top_via_branch());
    assert_eq!(m.header("v", 0), Some("SIP/2.0/UDP a"));
    assert!(m.ensure_top_via_branch());
    let b = m.top_via_branch().unwrap().to_string();
    assert!(b.starts_with("z9hG4bK") && b.len() >= 7 + 16);
    assert!(!m.ensure_top_via_branch());
    assert_eq!(m.top_via_branch(), Some(b.as_str()));

    let mut none = parse("OPTIONS sip:x SIP/2.0\r\n\r\n").unwrap();
    assert_eq!(none.set_top_via_branch("z"), Err(Error::MissingHdr));
    assert!(!none.ensure_top_via_branch());
}

#[test]
fn response_to_copies_dialog_headers_and_adds_a_tag() {
    let req = parse(REGISTER).unwrap();
    let resp = SipMessage::response_to(&req, 401, None).unwrap();
    assert_eq!(resp.status_code(), Some(401));
    assert_eq!(resp.reason(), Some("Unauthorized"));
    for name in ["Via", "From", "Call-ID", "CSeq"] {
        assert_eq!(resp.header(name, 0), req.header(name, 0), "{name}");
    }
    assert_eq!(resp.header("Contact", 0), None);
    assert_eq!(resp.header("Content-Length", 0), Some("0"));
    let to = resp.header("To", 0).unwrap();
    let tag = to
        .strip_prefix("\"Alice\" <sip:alice@example.com>;tag=")
        .unwrap();
    assert!(tag.len() >= 16 && tag.bytes().all(|c| c.is_ascii_hexdigit()));
    resp.check_mandatory().unwrap();

    // An existing tag is kept; a custom reason is used.
    let resp2 = SipMessage::response_to(
        &parse(
            PROXY_AUTH
                .replace(
                    "SIP/2.0 407 Proxy Authentication Required",
                    "INVITE sip:carol@example.org SIP/2.0",
                )
                .as_str(),
        )
        .unwrap(),
        200,
        Some("Fine"),
    )
    .unwrap();
    assert_eq!(resp2.header("t", 0), Some("<sip:carol@example.org>;tag=8"));
    assert_eq!(resp2.reason(), Some("Fine"));
    // Both Via lines when there are several.
    let two_vias = REGISTER.replace(
        "Max-Forwards",
        "Via: SIP/2.0/UDP p;branch=z9hG4bK2\r\nMax-Forwards",
    );
    let resp3 = SipMessage::response_to(&parse(&two_vias).unwrap(), 200, None).unwrap();
    assert_eq!(resp3.headers_named("via").count(), 2);

    assert_eq!(
        SipMessage::response_to(&parse(UNAUTHORIZED).unwrap(), 200, None),
        Err(Error::NotRequestMsg)
    );
    assert_eq!(
        SipMessage::response_to(&req, 99, None),
        Err(Error::InvalidArg)
    );
    assert_eq!(
        SipMessage::response_to(&req, 200, Some("a\r\nb")),
        Err(Error::InvalidArg)
    );
}

#[test]
fn printer_never_emits_a_broken_line() {
    let mut m = SipMessage::request("OPTIONS", "sip:x");
    m.push_header("X-Inject", "a\r\nVia: evil");
    let out = m.to_bytes();
    let back = SipMessage::parse(&out).unwrap();
    assert_eq!(back.header("Via", 0), None);
    assert_eq!(back.header("X-Inject", 0), Some("a  Via: evil"));
}
