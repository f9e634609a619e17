//! One line per cycle and the summary.

use crate::verify::{Tally, Verification};

/// Violations printed per cycle (all are counted).
const PRINTED_VIOLATIONS: usize = 20;

/// How the server went down.
pub enum Crashed {
    /// kill -9 of backend `pid`, seen inside wms_place_order at poll `polls`;
    /// `lost_call`: its client was left with that call in doubt.
    Killed {
        pid: i32,
        polls: u32,
        lost_call: bool,
    },
    Stopped,
    /// kill -9 of the order worker `pid` (wms_submit_order's batches).
    KilledWorker {
        pid: i32,
    },
    /// kill -9 of the primary's postmaster `pid`, the standby promoted; of
    /// the calls in doubt, `resent` sent again there, `found_done` found done.
    FailedOver {
        pid: i32,
        resent: usize,
        found_done: usize,
    },
    /// Failed over by an outside command, which `said` what it did.
    External {
        said: String,
        resent: usize,
        found_done: usize,
    },
}

/// One cycle: how the server went down, what the checks found, how long it took.
pub struct CycleReport {
    pub crashed: Crashed,
    pub verification: Verification,
    pub seconds: f64,
}

impl CycleReport {
    pub fn print(&self, cycle: u32, cycles: u32) {
        let crash = match self.crashed {
            Crashed::Killed {
                pid,
                polls,
                lost_call,
            } => format!(
                "kill -9 of backend {pid} inside wms_place_order (poll {polls}{})",
                if lost_call {
                    ", its client lost that call"
                } else {
                    ""
                }
            ),
            Crashed::Stopped => "pg_ctl stop -m immediate".to_string(),
            Crashed::KilledWorker { pid } => format!("kill -9 of the wms order worker {pid}"),
            Crashed::FailedOver {
                pid,
                resent,
                found_done,
            } => format!(
                "kill -9 of the primary's postmaster {pid}, standby promoted; of the calls in doubt \
                 {resent} sent again there, {found_done} found done"
            ),
            Crashed::External {
                ref said,
                resent,
                found_done,
            } => format!(
                "{said}; of the calls in doubt {resent} sent again on the new primary, {found_done} found done"
            ),
        };
        let v = &self.verification;
        let t = &v.tally;
        println!(
            "cycle {cycle:>2}/{cycles}: {crash}; acknowledged {} ({} Fulfilled, {} Unavailable, {} refused), \
             in doubt {} ({} fully present, {} fully absent); {:.1} s; {}",
            t.acknowledged,
            t.fulfilled,
            t.unavailable,
            t.refused,
            t.in_doubt(),
            t.present,
            t.absent,
            self.seconds,
            if v.passed() { "OK" } else { "FAILED" }
        );
        for problem in v.problems().take(PRINTED_VIOLATIONS) {
            println!("  VIOLATION cycle {cycle}: {problem}");
        }
        let more = v.problems().count().saturating_sub(PRINTED_VIOLATIONS);
        if more > 0 {
            println!("  ... and {more} more violations in cycle {cycle}");
        }
    }
}

#[derive(Default)]
pub struct Summary {
    passed: u32,
    kills: u32,
    kills_losing_a_call: u32,
    worker_kills: u32,
    stops: u32,
    failovers: u32,
    resent: usize,
    found_done: usize,
    cycles: u32,
    tally: Tally,
    violations: usize,
    verify_failures: u32,
}

impl Summary {
    /// No violation, and every cycle did what it is for: a failover run
    /// failed over every cycle and retried calls in doubt.
    pub fn passed(&self) -> bool {
        self.violations == 0
            && self.cycles > 0
            && self.tally.submitted > 0
            && (self.failovers == 0
                || (self.failovers == self.cycles && self.tally.in_doubt() > 0 && self.resent > 0))
    }

    pub fn add(&mut self, report: &CycleReport) {
        self.cycles += 1;
        let v = &report.verification;
        self.passed += u32::from(v.passed());
        match report.crashed {
            Crashed::Killed { lost_call, .. } => {
                self.kills += 1;
                self.kills_losing_a_call += u32::from(lost_call);
            }
            Crashed::Stopped => self.stops += 1,
            Crashed::KilledWorker { .. } => self.worker_kills += 1,
            Crashed::FailedOver {
                resent, found_done, ..
            }
            | Crashed::External {
                resent, found_done, ..
            } => {
                self.failovers += 1;
                self.resent += resent;
                self.found_done += found_done;
            }
        }
        self.tally += v.tally;
        self.violations += v.problems().count();
        self.verify_failures += u32::from(!v.verify_rows.is_empty());
    }

    pub fn print(&self, cycles: u32) {
        let t = &self.tally;
        let verify = if self.verify_failures == 0 {
            "wms_verify() empty after every restart".to_string()
        } else {
            format!(
                "wms_verify() NOT empty after {} restarts",
                self.verify_failures
            )
        };
        if self.failovers > 0 {
            println!(
                "failovers survived: {} of {cycles} (the primary killed, its standby \
                 promoted); requests acknowledged: {}, in doubt: {} ({} fully present, {} fully absent), \
                 retried on the new primary: {} sent again, {} found done, and verified; {verify}",
                self.passed,
                t.acknowledged,
                t.in_doubt(),
                t.present,
                t.absent,
                self.resent,
                self.found_done
            );
            println!(
                "answers: {} Fulfilled, {} Unavailable, {} refused; {} of the acknowledged by wms_submit_order",
                t.fulfilled, t.unavailable, t.refused, t.submitted
            );
            if self.violations > 0 {
                println!("FAILED: {} violations", self.violations);
            } else if !self.passed() {
                println!(
                    "FAILED: {} failovers in {} cycles, {} calls in doubt, {} sent again: the run tested nothing",
                    self.failovers,
                    self.cycles,
                    t.in_doubt(),
                    self.resent
                );
            }
            return;
        }
        println!(
            "crash cycles survived: {} of {cycles} ({} kill -9 inside wms_place_order, {} of the order worker, \
             {} immediate stops); requests acknowledged: {}, in doubt: {} ({} fully present, {} fully absent); {verify}",
            self.passed,
            self.kills,
            self.worker_kills,
            self.stops,
            t.acknowledged,
            t.in_doubt(),
            t.present,
            t.absent
        );
        println!(
            "answers: {} Fulfilled, {} Unavailable, {} refused; {} of the acknowledged by wms_submit_order; \
             the client of the killed backend lost its wms_place_order call in {} of {} kills",
            t.fulfilled, t.unavailable, t.refused, t.submitted, self.kills_losing_a_call, self.kills
        );
        if self.violations > 0 {
            println!("FAILED: {} violations", self.violations);
        }
    }
}
