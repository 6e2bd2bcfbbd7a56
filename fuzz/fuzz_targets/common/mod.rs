//! Helpers shared by the targets (each target uses some of them).
#![allow(dead_code)]

use std::future::Future;

/// Run an async library function to completion on a single-threaded
/// runtime (built once per fuzzing process).
pub fn block_on<F: Future>(f: F) -> F::Output {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("tokio runtime");
    }
    RT.with(|rt| rt.block_on(f))
}

/// Split `data` into lines at `\n`, dropping one `\r` before it (how the
/// proxy's line reader hands lines to the parsers).
pub fn lines(data: &[u8]) -> Vec<Vec<u8>> {
    data.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .collect()
}
