//! One scenario on every side at once (the reference build, Debian's
//! 1.11.1, ours), and the verdict of ours against each tinyproxy.

use std::sync::mpsc;
use std::time::Duration;

use crate::harness::{Ctx, Side};
use crate::normalise::{lift_obs, lift_reference_obs};
use crate::obs::{diff, Obs};
use crate::{reference, Expect, Scenario};

/// The longest one scenario (all sides, in parallel) may take.
const SCENARIO_DEADLINE: Duration = Duration::from_secs(45);

/// Our binary against one tinyproxy in one scenario.
pub enum Outcome {
    Same,
    Differs(&'static str),
    Failed(String),
    /// That tinyproxy is not available (the reference build is skipped).
    Skipped,
    /// Not run: 1.11.1 refuses the config (`Expect::Newer`).
    Newer(&'static str),
}

impl Outcome {
    pub fn label(&self) -> String {
        match self {
            Outcome::Same => "same".into(),
            Outcome::Differs(a) => format!("differs ({a})"),
            Outcome::Failed(_) => "FAILED".into(),
            Outcome::Skipped => "skipped".into(),
            Outcome::Newer(why) => format!("not run ({why})"),
        }
    }
}

/// A scenario's verdicts: against the reference build and against 1.11.1.
pub struct Column {
    pub reference: Outcome,
    pub debian: Outcome,
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

/// Run every available side in parallel; a side that did not report by
/// the deadline is an error.
fn run_sides(s: &Scenario) -> Vec<(Side, Result<Obs, String>)> {
    let mut sides = vec![Side::Ours];
    if !matches!(s.expect, Expect::Newer(_)) {
        sides.push(Side::Debian);
    }
    if reference::binary().is_some() {
        sides.push(Side::Reference);
    }
    let (tx, rx) = mpsc::channel();
    for &side in &sides {
        let (tx, run) = (tx.clone(), s.run);
        std::thread::spawn(move || {
            let _ = tx.send((side, run_side(run, side)));
        });
    }
    let mut got = Vec::new();
    for _ in 0..sides.len() {
        match rx.recv_timeout(SCENARIO_DEADLINE) {
            Ok(r) => got.push(r),
            Err(_) => break,
        }
    }
    for side in sides {
        if !got.iter().any(|(s, _)| *s == side) {
            got.push((side, Err("scenario deadline exceeded".into())));
        }
    }
    got
}

/// Compare ours with one tinyproxy's observation, lifted by `lift` (its
/// version strings) and then by the expectation's edit.
fn verdict(
    name: &str,
    side: Side,
    theirs: Result<Obs, String>,
    ours: &Result<Obs, String>,
    lift: fn(&mut Obs),
    expect: Expect,
) -> Outcome {
    let mut want = match theirs {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(format!("{side:?} side failed: {e}")),
    };
    let got = match ours {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(format!("our side failed: {e}")),
    };
    lift(&mut want);
    if std::env::var_os("COMPAT_DUMP").is_some() {
        eprintln!("=== {name} {side:?} (version-lifted only):\n{want:#?}");
    }
    let anchor = match expect {
        Expect::Same | Expect::Newer(_) => None,
        Expect::Differs(a, edit) => {
            edit(&mut want);
            Some(a)
        }
    };
    let d = diff(&want, got);
    match (d.is_empty(), anchor) {
        (true, None) => Outcome::Same,
        (true, Some(a)) => Outcome::Differs(a),
        (false, _) => Outcome::Failed(d),
    }
}

pub fn run_scenario(s: &Scenario) -> Column {
    let mut results = run_sides(s);
    let mut take = |side: Side| {
        let i = results.iter().position(|(x, _)| *x == side)?;
        Some(results.swap_remove(i).1)
    };
    let ours = take(Side::Ours).expect("our side always runs");
    if std::env::var_os("COMPAT_DUMP").is_some() {
        eprintln!("=== {} ours:\n{ours:#?}", s.name);
    }
    let debian = match (s.expect, take(Side::Debian)) {
        (Expect::Newer(why), _) => Outcome::Newer(why),
        (_, Some(d)) => verdict(s.name, Side::Debian, d, &ours, lift_obs, s.expect),
        (_, None) => Outcome::Failed("Debian's side did not run".into()),
    };
    let reference = match take(Side::Reference) {
        Some(r) => verdict(
            s.name,
            Side::Reference,
            r,
            &ours,
            lift_reference_obs,
            s.reference_expect(),
        ),
        None => Outcome::Skipped,
    };
    Column { reference, debian }
}
