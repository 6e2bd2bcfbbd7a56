//! `Timeout` on writes, applied where the sockets are wrapped rather than
//! at every call site.
//!
//! tinyproxy sets `SO_SNDTIMEO` = `Timeout` on each socket, so a peer that
//! stops reading (a client that never reads a large response, an origin
//! that never reads a request body) loses its connection and its
//! `MaxClients` slot after `Timeout`. [`TimedWrite`] does the same for an
//! async writer: a write that makes no progress for `Timeout` fails with
//! `TimedOut`. Any progress restarts the clock, so a slow but live reader
//! is never cut off. Reads are bounded where they happen (request head,
//! body and response reads each carry `Timeout`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::AsyncWrite;
use tokio::time::{Instant, Sleep};

/// A writer whose every stalled write, flush or shutdown fails after
/// `limit` without progress. The stall is counted from the first `Pending`
/// since the last progress: a write given up while stalled (its future
/// dropped) and retried later still counts from then, which only ever
/// cuts off a peer that was not reading anyway.
pub struct TimedWrite<W> {
    inner: W,
    limit: Duration,
    /// Armed when a call first returns `Pending`; cleared on progress.
    stall: Option<Pin<Box<Sleep>>>,
}

impl<W> TimedWrite<W> {
    pub fn new(inner: W, limit: Duration) -> TimedWrite<W> {
        TimedWrite {
            inner,
            limit,
            stall: None,
        }
    }

    /// Use `limit` from now on (a reload changed `Timeout`).
    pub fn set_limit(&mut self, limit: Duration) {
        self.limit = limit;
        self.stall = None;
    }

    pub fn into_inner(self) -> W {
        self.inner
    }

    /// Pass `poll`'s answer on; on `Pending`, fail once the stall outlasts
    /// the limit.
    fn guard<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.stall = None;
            return poll;
        }
        let limit = self.limit;
        let sleep = self
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(Instant::now() + limit)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.stall = None;
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "peer stopped reading for Timeout",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for TimedWrite<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.guard(cx, poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.guard(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.guard(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.guard(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn a_reader_that_never_reads_times_the_write_out() {
        let (a, _b) = tokio::io::duplex(16);
        let mut w = TimedWrite::new(a, Duration::from_millis(50));
        let err = w.write_all(&[0u8; 64]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn progress_restarts_the_clock() {
        use tokio::io::AsyncReadExt;
        let (a, mut b) = tokio::io::duplex(16);
        let mut w = TimedWrite::new(a, Duration::from_millis(200));
        let reader = tokio::spawn(async move {
            let mut got = 0;
            let mut buf = [0u8; 8];
            while got < 64 {
                tokio::time::sleep(Duration::from_millis(30)).await;
                got += b.read(&mut buf).await.unwrap();
            }
        });
        w.write_all(&[1u8; 64])
            .await
            .expect("slow reader is not cut off");
        reader.await.unwrap();
    }
}
