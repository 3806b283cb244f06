//! Fuzz target: Url::parse on arbitrary strings.
//! The checks live in `evloop::http::__fuzz::check_url`, so the regression
//! tests replay findings through the same code (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    evloop::http::__fuzz::check_url(data);
});
