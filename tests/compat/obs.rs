//! What one side of a scenario was seen to do, and the comparison of two
//! such observations with a readable diff.

use std::fmt::Write as _;

/// Everything a scenario observed on one side (tinyproxy or ours), after
/// normalisation (see `normalise.rs`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Obs {
    /// Bytes each client connection received, in order (as text).
    pub client: Vec<String>,
    /// Each message the recording origin received (head + body).
    pub origin: Vec<String>,
    /// What fake upstream proxies received (SOCKS bytes escaped).
    pub upstream: Vec<String>,
    /// Log lines after start-up: `LEVEL message`.
    pub log: Vec<String>,
    /// Exit status, stderr and stdout of a process that ended.
    pub exit: Vec<String>,
    /// Other facts a scenario records (peer addresses, timings classes).
    pub facts: Vec<String>,
}

impl Obs {
    /// All fields as (name, lines) pairs, for diffs.
    fn sections(&self) -> Vec<(&'static str, Vec<String>)> {
        let split = |v: &Vec<String>| -> Vec<String> {
            v.iter()
                .enumerate()
                .flat_map(|(i, s)| {
                    let mut out = vec![format!("--- #{i}")];
                    out.extend(s.split('\n').map(|l| l.replace('\r', "\\r")));
                    out
                })
                .collect()
        };
        vec![
            ("client", split(&self.client)),
            ("origin", split(&self.origin)),
            ("upstream", split(&self.upstream)),
            ("log", self.log.clone()),
            ("exit", split(&self.exit)),
            ("facts", self.facts.clone()),
        ]
    }
}

/// A line diff of `want` (the lifted reference) against `got` (ours);
/// empty when they are equal.
pub fn diff(want: &Obs, got: &Obs) -> String {
    let mut out = String::new();
    for ((name, w), (_, g)) in want.sections().into_iter().zip(got.sections()) {
        if w == g {
            continue;
        }
        let _ = writeln!(out, "  [{name}] differs:");
        let n = w.len().max(g.len());
        let mut shown = 0;
        for i in 0..n {
            let (a, b) = (w.get(i), g.get(i));
            if a == b {
                continue;
            }
            let _ = writeln!(out, "    line {i}:");
            let _ = writeln!(out, "      want: {}", a.map_or("<none>", |s| s.as_str()));
            let _ = writeln!(out, "      got : {}", b.map_or("<none>", |s| s.as_str()));
            shown += 1;
            if shown >= 12 {
                let _ = writeln!(out, "    ...");
                break;
            }
        }
    }
    out
}
