//! Every input the fuzz targets in fuzz/ ever failed on, replayed with plain
//! `cargo test`. The files under tests/fuzz_inputs/<target>/ are the exact
//! bytes libFuzzer wrote (crash-<sha1>); see fuzz/README.md.
//!
//! With the `fuzzing` feature (`cargo test --all-features`, as .ci/run
//! does) each file goes through the very `evloop::http::__fuzz::check_*`
//! function its target calls. The URL findings are also checked through the
//! public API, so they hold without the feature too.
#![cfg(feature = "http")]

use evloop::http::Url;

/// `http://h/hex$R\u{d32cb}\u{85}#\u{85}`: `Url::parse` trimmed Unicode
/// whitespace, so the path's last character (U+0085, NEL) went missing when
/// the serialized URL was parsed again. Now only ASCII spaces and controls
/// are trimmed, and the URL round-trips.
#[test]
fn url_with_unicode_space_before_fragment_round_trips() {
    let input = include_bytes!("fuzz_inputs/url/crash-8b94f684a78095d44831dfa04a76b31dfb4e10ae");
    let url = Url::parse(std::str::from_utf8(input).unwrap()).unwrap();
    assert_eq!(url.path_and_query(), "/hex$R\u{d32cb}\u{85}");
    assert_eq!(Url::parse(url.as_str()).unwrap(), url);

    // The short form of the same finding, and ASCII trimming kept.
    let url = Url::parse("http://h/a\u{a0}#f").unwrap();
    assert_eq!(url.path_and_query(), "/a\u{a0}");
    assert_eq!(Url::parse(url.as_str()).unwrap(), url);
    assert_eq!(
        Url::parse(" \thttp://h/a\r\n").unwrap().as_str(),
        "http://h/a"
    );
}

/// A relative Location ending in two U+00A0 before a fragment: the same
/// trimming, in `Url::join` (the target's default base is
/// `http://a.example/b/c?d`).
#[test]
fn location_with_unicode_space_before_fragment_round_trips() {
    let input =
        include_bytes!("fuzz_inputs/location/crash-79b54b94f8449ebefb2f45e783096a06b94d0e0b");
    let base = Url::parse("http://a.example/b/c?d").unwrap();
    let next = base.join(std::str::from_utf8(input).unwrap()).unwrap();
    assert!(next.path_and_query().ends_with("?/./\u{a0}\u{a0}"));
    assert_eq!(Url::parse(next.as_str()).unwrap(), next);

    let next = base.join("x\u{a0}#f").unwrap();
    assert_eq!(next.as_str(), "http://a.example/b/x\u{a0}");
    assert_eq!(Url::parse(next.as_str()).unwrap(), next);
}

#[cfg(feature = "fuzzing")]
mod replay {
    use evloop::http::__fuzz;
    use std::path::Path;

    /// Runs `check` on every file in tests/fuzz_inputs/`target`/.
    fn replay_all(target: &str, check: fn(&[u8])) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz_inputs")
            .join(target);
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            eprintln!("replaying {}", path.display());
            check(&input);
            count += 1;
        }
        assert!(count > 0, "no inputs in {}", dir.display());
    }

    #[test]
    fn every_response_finding_replays_clean() {
        replay_all("response", __fuzz::check_response);
    }

    #[test]
    fn every_url_finding_replays_clean() {
        replay_all("url", __fuzz::check_url);
    }

    #[test]
    fn every_location_finding_replays_clean() {
        replay_all("location", __fuzz::check_location);
    }

    /// The Redis reply parser's findings (`resp` target). The first: a
    /// reply starting with CRLF sliced its header line 1..0 and panicked.
    #[test]
    fn every_resp_finding_replays_clean() {
        replay_all("resp", evloop::redis::__fuzz::check_resp);
    }

    /// Two responses on one kept-alive connection, the second with a bad
    /// header name (`Transfer\rEncoding`). Read in one piece, the second
    /// response was already buffered when its request was written, so the
    /// connection said no byte had been received for it and its head error
    /// looked like a clean close; read in pieces, it was an error. Buffered
    /// bytes now count as received, and both report the error.
    #[test]
    fn buffered_bad_second_head_is_an_error_in_every_split() {
        let input =
            include_bytes!("fuzz_inputs/response/crash-8162ac683137f2254ece0f1c0bdbec11799c8265");
        __fuzz::check_response(input);
        let (_, wire) = __fuzz::split_input(&input[1..]);
        let whole = __fuzz::read_responses(&evloop::http::Method::GET, &[wire]);
        assert_eq!(whole.responses, [(200, b"hi".to_vec())]);
        assert_eq!(
            whole.error.as_deref(),
            Some("request failed: malformed response head: invalid header name")
        );
    }

    /// A 204 then interim (1xx) responses and EOF: the same buffered-bytes
    /// count made EOF after them read as "closed before the response" in
    /// one piece and "closed in the middle of the head" in pieces.
    #[test]
    fn eof_after_buffered_interim_responses_is_the_same_in_every_split() {
        let input =
            include_bytes!("fuzz_inputs/response/crash-f20198ab55eb2923fdf75f596b4000efada443a4");
        __fuzz::check_response(input);
        let (_, wire) = __fuzz::split_input(&input[1..]);
        let whole = __fuzz::read_responses(&evloop::http::Method::GET, &[wire]);
        assert_eq!(whole.responses, [(204, Vec::new())]);
        assert_eq!(
            whole.error.as_deref(),
            Some("request failed: connection closed in the middle of the response head")
        );
    }
}
