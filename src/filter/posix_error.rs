//! The error of the POSIX pattern parser, in a leaf module so the
//! bracket-expression parser and the main parser both use it without
//! depending on each other both ways.

/// Why a pattern was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PosixError {
    /// glibc's `regcomp` refuses the pattern too.
    #[error("{0}")]
    Syntax(&'static str),
    /// glibc accepts it, but back-references are not supported here.
    #[error("back-references are not supported by tinyproxy-rs")]
    BackReference,
}
