//! Compatibility suite: every scenario runs against the real tinyproxy
//! (/usr/bin/tinyproxy, Debian 1.11.1) and against our binary, side by
//! side, with the same config and the same client actions; the normalised
//! observations (what the client, the origin and upstreams received, the
//! log lines, exit status and stderr) must be equal — after tinyproxy's
//! version strings are lifted to the 1.11.3 form we target — or differ
//! exactly as a documented deliberate difference says (`Differs`), which
//! is expressed as an edit of tinyproxy's observation into ours.
//! See docs/compat-scenarios.md for the list and the anchors.

mod client;
mod harness;
mod normalise;
mod obs;
mod peers;
mod process;
mod scenarios;
mod suite;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harness::{Ctx, Side, TINYPROXY};
use obs::{diff, Obs};

/// Turns tinyproxy's (lifted) observation into exactly what we expect.
pub type Lift = fn(&mut Obs);

/// What a scenario expects of our binary relative to tinyproxy.
pub enum Expect {
    /// Identical observations.
    Same,
    /// A documented deliberate difference: anchor and the exact edit.
    Differs(&'static str, Lift),
}

pub struct Scenario {
    pub name: &'static str,
    pub expect: Expect,
    pub run: fn(&mut Ctx),
}

/// The longest one scenario (both sides) may take.
const SCENARIO_DEADLINE: Duration = Duration::from_secs(45);

enum Outcome {
    Same,
    Differs(&'static str),
    Failed(String),
}

fn run_side(run: fn(&mut Ctx), side: Side) -> Result<Obs, String> {
    let r = std::panic::catch_unwind(move || {
        let mut c = Ctx::new(side);
        run(&mut c);
        c.finish()
    });
    r.map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

fn run_scenario(s: &Scenario) -> Outcome {
    let (tx, rx) = mpsc::channel();
    for side in [Side::Tinyproxy, Side::Ours] {
        let tx = tx.clone();
        let run = s.run;
        std::thread::spawn(move || {
            let _ = tx.send((side, run_side(run, side)));
        });
    }
    let (mut tp, mut ours) = (None, None);
    for _ in 0..2 {
        match rx.recv_timeout(SCENARIO_DEADLINE) {
            Ok((Side::Tinyproxy, r)) => tp = Some(r),
            Ok((Side::Ours, r)) => ours = Some(r),
            Err(_) => return Outcome::Failed("scenario deadline exceeded".into()),
        }
    }
    let (Some(tp), Some(ours)) = (tp, ours) else {
        return Outcome::Failed("missing side".into());
    };
    let mut want = match tp {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(format!("tinyproxy side failed: {e}")),
    };
    let got = match ours {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(format!("our side failed: {e}")),
    };
    normalise::lift_obs(&mut want);
    if std::env::var_os("COMPAT_DUMP").is_some() {
        eprintln!("=== {} tinyproxy (version-lifted only):\n{want:#?}", s.name);
    }
    let anchor = match s.expect {
        Expect::Same => None,
        Expect::Differs(a, lift) => {
            lift(&mut want);
            Some(a)
        }
    };
    if std::env::var_os("COMPAT_DUMP").is_some() {
        eprintln!("=== {} ours:\n{got:#?}", s.name);
    }
    let d = diff(&want, &got);
    match (d.is_empty(), anchor) {
        (true, None) => Outcome::Same,
        (true, Some(a)) => Outcome::Differs(a),
        (false, _) => Outcome::Failed(d),
    }
}

#[test]
fn compat_scenarios() {
    if !std::path::Path::new(TINYPROXY).exists() {
        println!("compat: skipped: {TINYPROXY} not installed (apt-get install -y tinyproxy)");
        return;
    }
    let only = std::env::var("COMPAT_ONLY").ok();
    let all: Vec<Scenario> = scenarios::all()
        .into_iter()
        .filter(|s| only.as_deref().is_none_or(|o| s.name.contains(o)))
        .collect();
    let mut names = std::collections::HashSet::new();
    for s in &all {
        assert!(names.insert(s.name), "duplicate scenario name {}", s.name);
    }
    let jobs: usize = std::env::var("COMPAT_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(4);
    let queue = Arc::new(Mutex::new(all.into_iter().collect::<Vec<_>>()));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..jobs)
        .map(|_| {
            let (q, r) = (Arc::clone(&queue), Arc::clone(&results));
            std::thread::spawn(move || loop {
                let Some(s) = q.lock().expect("queue").pop() else {
                    return;
                };
                let out = run_scenario(&s);
                r.lock().expect("results").push((s.name, out));
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let mut results = std::mem::take(&mut *results.lock().expect("results"));
    results.sort_by_key(|(n, _)| *n);
    let (mut same, mut differs, mut failed) = (0, 0, Vec::new());
    for (name, out) in &results {
        match out {
            Outcome::Same => {
                same += 1;
                println!("compat: {name:<40} same");
            }
            Outcome::Differs(a) => {
                differs += 1;
                println!("compat: {name:<40} differs ({a})");
            }
            Outcome::Failed(d) => {
                println!("compat: {name:<40} FAILED\n{d}");
                failed.push(*name);
            }
        }
    }
    // Written to the real stdout (not the captured one), so CI logs show
    // the summary even when the test passes.
    let summary = format!(
        "compat: {same} same, {differs} documented differences, {} unexplained\n",
        failed.len()
    );
    print!("{summary}");
    let _ = std::io::Write::write_all(&mut std::io::stdout(), summary.as_bytes());
    assert!(failed.is_empty(), "unexplained differences: {failed:?}");
}

#[test]
fn tinyproxy_own_suite() {
    suite::run();
}
