//! Fuzz target: the client's response path (head, 1xx, framing, body, keep-alive) over arbitrary bytes in arbitrary read sizes.
//! The checks live in `evloop::http::__fuzz::check_response`, so the regression
//! tests replay findings through the same code (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    evloop::http::__fuzz::check_response(data);
});
