//! Driving one job to its end through many CLI processes: when each is
//! killed (the schedule, drawn from the phases of an uninterrupted run),
//! when a second process is started beside it, and what each did.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use parallel_web_tests::EmulatorProcess;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::process::{CliProcess, DONE, GROUP, JOURNAL_OPENED, enrich_command};

/// How often a process is looked at (exit, progress lines, kill moment).
const POLL: Duration = Duration::from_millis(2);
/// A second process still running after this long is waiting for the
/// first instead of refusing: reported as a hang (refusing takes a few
/// milliseconds; this bound only keeps a broken lock from hanging CI).
const HANG_GUARD: Duration = Duration::from_secs(300);
/// Processes exiting 1 in a row after which the job is given up.
const MAX_FAILURES_IN_A_ROW: usize = 20;

/// What a kill's delay counts from.
#[derive(Clone, Copy)]
pub enum From {
    /// The process's start.
    Start,
    /// Its `journal: …` line.
    JournalOpened,
    /// The moment its temporary output file appeared.
    OutputStarted,
}

/// When one process is killed.
pub struct Kill {
    from: From,
    /// Time after `from` (time frozen for a second process not counted).
    delay: Duration,
    /// If a second process is started beside this one: when, as a share
    /// of `delay` (and not before the journal is open).
    second: Option<f64>,
}

/// How long the phases of an uninterrupted run took.
#[derive(Clone, Copy, Default)]
pub struct Phases {
    /// Start to journal opened.
    pub starting: Duration,
    /// Journal opened to group known (reading the input in).
    pub reading_input: Duration,
    /// Temporary output file appeared to `done:`.
    pub writing_output: Duration,
    /// The whole process.
    pub total: Duration,
}

/// What the processes of one job did.
#[derive(Default)]
pub struct Log {
    /// CLI processes started for the job (second processes not counted).
    pub processes: usize,
    /// `kill -9`s by what the process was doing.
    pub kills: BTreeMap<&'static str, usize>,
    /// Second processes started while another held the journal.
    pub seconds: usize,
    /// Of those, the ones that exited 1 naming the journal and the holder.
    pub refused: usize,
    /// Last stderr lines of processes that exited 1 on their own.
    pub tool_errors: Vec<String>,
    /// Second processes that did not refuse as they must.
    pub problems: Vec<String>,
    /// The phases of the finishing process.
    pub phases: Phases,
}

/// `kills` kill moments for a job whose uninterrupted run went through
/// `phases`: a quarter (at least one) while the output is being written,
/// an eighth each while starting and while reading the input, the rest at
/// points drawn uniformly over the whole run, each process killed after
/// the gap since the previous point, so that these fall across the job
/// while each rerun resumes. Output kills come last (a process that writes
/// the output has done everything else). Half of the kills, drawn, also
/// start a second process beside their process.
pub fn schedule(kills: usize, phases: Phases, rng: &mut StdRng) -> Vec<Kill> {
    let output = if kills == 0 { 0 } else { (kills / 4).max(1) };
    let starting = kills / 8;
    let reading = kills / 8;
    let timeline = kills - output - starting - reading;
    let mut points: Vec<f64> = (0..timeline).map(|_| rng.random::<f64>()).collect();
    points.sort_by(f64::total_cmp);
    let mut gaps = points.into_iter().scan(0.0, |previous, p| {
        let gap = p - *previous;
        *previous = p;
        Some(phases.total.mul_f64(gap))
    });
    let mut special: Vec<From> = [From::Start]
        .repeat(starting)
        .into_iter()
        .chain([From::JournalOpened].repeat(reading))
        .collect();
    special.shuffle(rng);
    let mut special = special.into_iter();
    // Which kills (before the output ones) are the starting and reading
    // ones: random places among the timeline's, whose order is kept.
    let mut is_special: Vec<bool> = [true]
        .repeat(starting + reading)
        .into_iter()
        .chain([false].repeat(timeline))
        .collect();
    is_special.shuffle(rng);
    let mut plan = Vec::with_capacity(kills);
    for special_slot in is_special {
        plan.push(if special_slot {
            match special.next().expect("one kind per special slot") {
                From::Start => (From::Start, phases.starting.mul_f64(rng.random::<f64>())),
                from => (from, phases.reading_input.mul_f64(rng.random::<f64>())),
            }
        } else {
            (From::Start, gaps.next().expect("one gap per timeline slot"))
        });
    }
    plan.extend((0..output).map(|_| {
        (
            From::OutputStarted,
            phases.writing_output.mul_f64(rng.random::<f64>()),
        )
    }));
    plan.into_iter()
        .map(|(from, delay)| Kill {
            from,
            delay,
            second: rng.random_bool(0.5).then(|| rng.random::<f64>()),
        })
        .collect()
}

/// An event of one process: when the poll saw it, and how much frozen
/// time had passed by then.
type Seen = Option<(Instant, Duration)>;

/// Runs the enrichment until a process finishes it (exit 0 or 2), killing
/// processes as `schedule` says; returns the finishing exit code. With
/// `second`, a second process is tried at least once (in the finishing
/// process if no killed one got to it).
pub async fn drive(
    emulator: &EmulatorProcess,
    dir: &Path,
    rows: usize,
    schedule: Vec<Kill>,
    second: bool,
    label: &str,
    log: &mut Log,
) -> i32 {
    let mut schedule = schedule.into_iter();
    let mut failures_in_a_row = 0;
    loop {
        let kill = schedule.next();
        log.processes += 1;
        let mut cli = CliProcess::start(
            enrich_command(emulator, dir),
            format!("{label} process {}", log.processes),
        );
        let partial = dir.join(format!("out.csv.partial-{}", cli.pid()));
        let start: Seen = Some((Instant::now(), Duration::ZERO));
        let (mut opened, mut grouped, mut writing, mut done): (Seen, Seen, Seen, Seen) =
            (None, None, None, None);
        let mut frozen = Duration::ZERO;
        let mut second_share = match &kill {
            Some(k) => k.second,
            None if second && log.seconds == 0 => Some(0.0),
            None => None,
        };
        let code = loop {
            if let Some(code) = cli.exited() {
                break Some(code);
            }
            let now = Instant::now();
            let note = |seen: &mut Seen, happened: bool| {
                if seen.is_none() && happened {
                    *seen = Some((now, frozen));
                }
            };
            note(&mut opened, cli.printed(JOURNAL_OPENED));
            note(&mut grouped, cli.printed(GROUP));
            note(&mut writing, grouped.is_some() && partial.exists());
            note(&mut done, cli.printed(DONE));
            let since = |seen: Seen| seen.map(|(at, f)| now - at - (frozen - f));
            let (from, delay) = match &kill {
                Some(k) => (
                    match k.from {
                        From::Start => start,
                        From::JournalOpened => opened,
                        From::OutputStarted => writing,
                    },
                    k.delay,
                ),
                None => (start, Duration::ZERO),
            };
            let elapsed = since(from);
            if let (Some(share), Some(elapsed)) = (second_share, elapsed)
                && opened.is_some()
                && elapsed >= delay.mul_f64(share)
            {
                second_share = None;
                let stopped = Instant::now();
                second_process(emulator, dir, &mut cli, label, log).await;
                frozen += stopped.elapsed();
                continue;
            }
            if kill.is_some() && elapsed.is_some_and(|e| e >= delay) {
                let stage = stage(emulator, rows, &cli, &partial).await;
                cli.kill();
                *log.kills.entry(stage).or_default() += 1;
                break None;
            }
            tokio::time::sleep(POLL).await;
        };
        let Some(code) = code else {
            continue;
        };
        let stderr = cli.stderr();
        if code == 0 || code == 2 {
            let between = |a: Seen, b: Seen| match (a, b) {
                (Some((a, fa)), Some((b, fb))) => b.saturating_duration_since(a) - (fb - fa),
                _ => POLL,
            };
            log.phases = Phases {
                starting: between(start, opened),
                reading_input: between(opened, grouped),
                writing_output: between(writing, done),
                total: between(start, Some((Instant::now(), frozen))),
            };
            return code;
        }
        // Exit 1 is the tool giving up with a message (say, retries
        // exhausted under the faults): rerun, as a user would. Anything
        // else (a panic's 101, a signal) is a bug.
        assert_eq!(
            code, 1,
            "{label}: a process exited {code}; its stderr:\n{stderr}"
        );
        log.tool_errors
            .push(stderr.lines().last().unwrap_or_default().to_owned());
        failures_in_a_row += 1;
        assert!(
            failures_in_a_row < MAX_FAILURES_IN_A_ROW,
            "{label}: {failures_in_a_row} processes in a row exited 1; the last said:\n{stderr}"
        );
    }
}

/// Freezes `first` (SIGSTOP: it keeps its journal and its lock), starts a
/// second process with the same command, and checks that it exits 1 naming
/// the journal and `first`'s process id; then lets `first` go on.
async fn second_process(
    emulator: &EmulatorProcess,
    dir: &Path,
    first: &mut CliProcess,
    label: &str,
    log: &mut Log,
) {
    first.stop();
    if first.exited().is_some() || first.printed(DONE) {
        // It finished (or is about to exit): no one holds the journal.
        first.resume();
        return;
    }
    log.seconds += 1;
    let mut second = CliProcess::start(
        enrich_command(emulator, dir),
        format!("{label} second process {}", log.seconds),
    );
    let started = Instant::now();
    let code = loop {
        if let Some(code) = second.exited() {
            break Some(code);
        }
        if started.elapsed() > HANG_GUARD {
            second.kill();
            break None;
        }
        tokio::time::sleep(POLL).await;
    };
    let stderr = second.stderr();
    first.resume();
    let pid = first.pid().to_string();
    let names_holder = stderr
        .split(|c: char| !c.is_ascii_digit())
        .any(|token| token == pid);
    let names_journal = stderr.contains("out.csv.journal");
    let what = format!(
        "second process {} (started while process {pid} held out.csv.journal)",
        log.seconds
    );
    match code {
        Some(1) if names_holder && names_journal => log.refused += 1,
        Some(code) => log.problems.push(format!(
            "{what} exited {code}; it must exit 1 at once naming the journal and {pid}. Its stderr:\n{stderr}"
        )),
        None => log.problems.push(format!(
            "{what} was still running after {HANG_GUARD:?}: it waited instead of refusing. Its stderr:\n{stderr}"
        )),
    }
}

/// What `cli` is doing, for the kill figures: `starting` (journal not yet
/// open), `reading input` (no group yet), `submitting` (not every run
/// created), `writing output` (its temporary output file exists), else
/// `waiting for results`.
async fn stage(
    emulator: &EmulatorProcess,
    rows: usize,
    cli: &CliProcess,
    partial: &Path,
) -> &'static str {
    if !cli.printed(JOURNAL_OPENED) {
        return "starting";
    }
    if !cli.printed(GROUP) {
        return "reading input";
    }
    if partial.exists() {
        return "writing output";
    }
    let created = emulator.stats().await["runs_created"]
        .as_u64()
        .unwrap_or_default();
    if created < rows as u64 {
        return "submitting";
    }
    "waiting for results"
}
