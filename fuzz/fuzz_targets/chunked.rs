//! Fuzz target: the chunked body decoder over arbitrary bytes in arbitrary read sizes.
//! The checks live in `evloop::http::__fuzz::check_chunked`, so the regression
//! tests replay findings through the same code (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    evloop::http::__fuzz::check_chunked(data);
});
