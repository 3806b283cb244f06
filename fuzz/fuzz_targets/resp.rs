//! Fuzz target: the Redis reply parser (`src/redis/resp.rs`) over arbitrary
//! bytes, fed whole and in arbitrary pieces. The check and the input layout
//! live in `evloop::redis::__fuzz::check_resp`, so the regression tests
//! replay findings through the same code (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    evloop::redis::__fuzz::check_resp(data);
});
