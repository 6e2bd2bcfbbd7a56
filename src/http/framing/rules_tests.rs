//! The decision table of `rules.rs`, row by row.

use super::*;

fn h(lines: &[&str]) -> Headers {
    let v: Vec<Vec<u8>> = lines.iter().map(|s| s.as_bytes().to_vec()).collect();
    Headers::parse_lines(&v).unwrap()
}

const V10: Version = Version { major: 1, minor: 0 };
const V11: Version = Version { major: 1, minor: 1 };

#[test]
fn request_rows() {
    use FramingError::*;
    let ok = |v, l: &[&str]| request_framing(v, &h(l)).unwrap();
    let err = |v, l: &[&str]| request_framing(v, &h(l)).unwrap_err();
    assert_eq!(ok(V11, &[]), Framing::Empty);
    assert_eq!(ok(V11, &["Content-Length: 5"]), Framing::Length(5));
    assert_eq!(ok(V10, &["Content-Length: 5"]), Framing::Length(5));
    assert_eq!(ok(V11, &["Content-Length: 0"]), Framing::Empty);
    assert_eq!(ok(V11, &["Transfer-Encoding: Chunked"]), Framing::Chunked);
    let v12 = Version { major: 1, minor: 2 };
    assert_eq!(ok(v12, &["Transfer-Encoding: chunked"]), Framing::Chunked);
    assert_eq!(
        err(V10, &["Transfer-Encoding: chunked"]),
        TransferEncodingOnHttp10
    );
    let te_cl = ["Content-Length: 5", "Transfer-Encoding: chunked"];
    assert_eq!(err(V11, &te_cl), TransferEncodingAndLength);
    assert_eq!(err(V10, &te_cl), TransferEncodingOnHttp10);
    for coding in [
        "chunked, gzip",
        "chunked,",
        "gzip",
        "gzip, chunked",
        "identity",
    ] {
        let line = format!("Transfer-Encoding: {coding}");
        assert_eq!(err(V11, &[&line]), UnknownCoding, "{coding}");
    }
    let two_te = ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"];
    assert_eq!(err(V11, &two_te), UnknownCoding);
    assert_eq!(
        err(V11, &["Content-Length: 3", "Content-Length: 3"]),
        SeveralLengths
    );
    assert_eq!(
        err(V11, &["Content-Length: 3", "Content-Length: 9"]),
        SeveralLengths
    );
    assert_eq!(err(V11, &["Content-Length: 3, 3"]), SeveralLengths);
    for bad in ["-1", "1e3", "+5", "0x10", "", "99999999999999999999999"] {
        let line = format!("Content-Length: {bad}");
        assert_eq!(err(V11, &[&line]), BadLength, "{bad}");
    }
}

fn resp(asked: Asked, status: u16, http10: bool, l: &[&str]) -> ResponseFraming {
    response_framing(asked, status, http10, &h(l)).unwrap()
}

const GET: Asked = Asked {
    head: false,
    connect: false,
};

#[test]
fn responses_without_a_body() {
    let head = Asked {
        head: true,
        connect: false,
    };
    let connect = Asked {
        head: false,
        connect: true,
    };
    for (asked, status) in [
        (head, 200),
        (GET, 100),
        (GET, 204),
        (GET, 304),
        (connect, 200),
    ] {
        let r = resp(asked, status, false, &["Content-Length: 7"]);
        assert_eq!(r.framing, Framing::Empty, "{asked:?} {status}");
        assert!(r.may_keep(V11) && !r.drop_length);
    }
    let refused_connect = resp(connect, 407, false, &["Content-Length: 7"]);
    assert_eq!(refused_connect.framing, Framing::Length(7));
}

#[test]
fn transfer_encoding_rows() {
    let chunked = resp(GET, 200, false, &["Transfer-Encoding: gzip, chunked"]);
    assert_eq!(chunked.framing, Framing::Chunked);
    assert!(chunked.may_keep(V11) && !chunked.may_keep(V10));
    let te_cl = resp(
        GET,
        200,
        false,
        &["Transfer-Encoding: chunked", "Content-Length: 5"],
    );
    assert_eq!(te_cl.framing, Framing::Chunked);
    assert!(te_cl.drop_length && !te_cl.may_keep(V11));
    let http10 = resp(GET, 200, true, &["Transfer-Encoding: chunked"]);
    assert_eq!(http10.framing, Framing::Chunked);
    assert!(http10.drop_length && !http10.may_keep(V11));
    let unknown = resp(
        GET,
        200,
        false,
        &["Transfer-Encoding: gzip", "Content-Length: 5"],
    );
    assert_eq!(unknown.framing, Framing::Close);
    assert!(unknown.drop_length && !unknown.may_keep(V11));
    let mut headers = h(&["Transfer-Encoding: chunked", "Content-Length: 5", "X: y"]);
    te_cl.apply(&mut headers);
    assert!(!headers.contains("Content-Length") && headers.contains("Transfer-Encoding"));
}

#[test]
fn content_length_rows() {
    use FramingError::*;
    let one = resp(GET, 200, false, &["Content-Length: 7"]);
    assert_eq!(one.framing, Framing::Length(7));
    assert!(one.may_keep(V11) && one.may_keep(V10));
    let zero = resp(GET, 200, false, &["Content-Length: 0"]);
    assert_eq!(zero.framing, Framing::Empty);
    let repeated = resp(
        GET,
        200,
        false,
        &["Content-Length: 7", "Content-Length: 7, 7"],
    );
    assert_eq!(repeated.framing, Framing::Length(7));
    assert!(!repeated.may_keep(V11));
    let mut headers = h(&["Content-Length: 7", "Content-Length: 7"]);
    repeated.apply(&mut headers);
    assert_eq!(headers.get_all("content-length").count(), 1);
    let bad = |l: &[&str]| response_framing(GET, 200, false, &h(l)).unwrap_err();
    assert_eq!(
        bad(&["Content-Length: 7", "Content-Length: 8"]),
        SeveralLengths
    );
    assert_eq!(bad(&["Content-Length: 7, 8"]), SeveralLengths);
    assert_eq!(bad(&["Content-Length: x"]), BadLength);
    assert_eq!(bad(&["Content-Length: 7,"]), BadLength);
    let none = resp(GET, 200, false, &[]);
    assert_eq!(none.framing, Framing::Close);
    assert!(!none.may_keep(V11));
}
