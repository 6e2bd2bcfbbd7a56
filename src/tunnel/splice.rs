//! Zero-copy relay for tunnels on Linux: `splice(2)` moves bytes from one
//! socket into a pipe and from the pipe into the other socket without
//! copying them through user space.
//!
//! A pipe is borrowed from a small per-thread pool only while bytes are
//! in flight and given back empty, so an idle tunnel holds no pipe (and
//! no file descriptors beyond its two sockets).

use nix::fcntl::{FcntlArg, OFlag, SpliceFFlags};
use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use tokio::io::Interest;
use tokio::net::TcpStream;

/// Pipe capacity asked for, and bytes asked for per splice into it: big
/// enough that one call drains what a fast socket has queued.
const CHUNK: usize = 512 * 1024;
/// Spare pipes kept per worker thread.
const POOL: usize = 4;

/// A non-blocking pipe used as the kernel-side buffer.
pub struct Pipe {
    r: OwnedFd,
    w: OwnedFd,
}

thread_local! {
    /// Pipes kept per thread for reuse: a cache of kernel buffers, not
    /// state (no proxy instance's behaviour depends on it), so it is not
    /// in the runtime context.
    static PIPES: RefCell<Vec<Pipe>> = const { RefCell::new(Vec::new()) };
}

impl Pipe {
    fn new() -> io::Result<Pipe> {
        let (r, w) = nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC)?;
        let pipe = Pipe { r, w };
        // A bigger pipe where allowed (pipe-max-size); the default 64 KiB
        // otherwise, so a refusal is no error.
        let _ = nix::fcntl::fcntl(
            pipe.w.as_raw_fd(),
            FcntlArg::F_SETPIPE_SZ(CHUNK as libc::c_int),
        );
        Ok(pipe)
    }

    /// An empty pipe from the pool, or a new one.
    pub fn take() -> io::Result<Pipe> {
        match PIPES.with(|p| p.borrow_mut().pop()) {
            Some(p) => Ok(p),
            None => Pipe::new(),
        }
    }

    /// Return an *empty* pipe to the pool (or close it when full).
    pub fn give_back(self) {
        PIPES.with(|p| {
            let mut pool = p.borrow_mut();
            if pool.len() < POOL {
                pool.push(self);
            }
        });
    }
}

/// One non-blocking `splice(2)` of up to `len` bytes; no offsets (sockets
/// and pipes have no file position).
fn splice(from: impl AsFd, to: impl AsFd, len: usize) -> io::Result<usize> {
    let flags = SpliceFFlags::SPLICE_F_MOVE | SpliceFFlags::SPLICE_F_NONBLOCK;
    Ok(nix::fcntl::splice(from, None, to, None, len, flags)?)
}

/// Move what `src` has ready into `dst`, at most `burst` pipe-fulls.
/// `Ok(false)` at end of stream. On an error the pipe may hold bytes and
/// is dropped rather than returned.
pub async fn pump(
    src: &TcpStream,
    dst: &TcpStream,
    count: &mut u64,
    burst: usize,
    clock: &super::clock::Clock,
) -> io::Result<bool> {
    let pipe = Pipe::take()?;
    for _ in 0..burst {
        let n = match src.try_io(Interest::READABLE, || splice(src, &pipe.w, CHUNK)) {
            Ok(0) => {
                pipe.give_back();
                return Ok(false);
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        };
        let mut left = n;
        let mut deadline = clock.write_deadline();
        while left > 0 {
            super::clock::writable_by(dst, deadline).await?;
            match dst.try_io(Interest::WRITABLE, || splice(&pipe.r, dst, left)) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(m) => {
                    left -= m;
                    clock.touch();
                    deadline = clock.write_deadline();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
        *count += n as u64;
    }
    pipe.give_back();
    Ok(true)
}

/// Whether splice works for TCP sockets here (checked once per process: a
/// fact about the kernel, written once and never changed).
pub fn available() -> bool {
    use std::sync::OnceLock;
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| Pipe::new().is_ok())
}
