//! The `tinyproxy` binary: parse the command line and run.

#![forbid(unsafe_code)]

use tinyproxy_rs::cli::{self, Command};

fn main() {
    let mut args = std::env::args();
    let prog = args.next().unwrap_or_else(|| "tinyproxy".to_string());
    let rest: Vec<String> = args.collect();
    let code = match cli::parse(&prog, &rest) {
        Command::Print(text) => {
            print!("{text}");
            0
        }
        Command::Usage(msg) => {
            eprintln!("{msg}");
            print!("{}", cli::usage());
            cli::EX_USAGE
        }
        Command::Run(opts) => tinyproxy_rs::app::lifecycle::start(opts),
    };
    std::process::exit(code);
}
