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

/// What a timed kill's delay counts from.
#[derive(Clone, Copy, Debug)]
pub enum From {
    /// The process's start.
    Start,
    /// Its `journal: …` line.
    JournalOpened,
    /// Its `group: …` line (the input is read in).
    Grouped,
}

/// The moment a process is killed.
#[derive(Clone, Copy, Debug)]
pub enum Moment {
    /// This long after the event (time frozen for a second process not
    /// counted).
    After(From, Duration),
    /// Once its temporary output file holds this many bytes.
    OutputBytes(u64),
}

/// When one process is killed, and whether a second process is started
/// beside it first.
pub struct Kill {
    moment: Moment,
    /// If a second process is started beside this one: when, as a share of
    /// the way to `moment` (and not before the journal is open).
    second: Option<f64>,
}

/// How long the phases of an uninterrupted run took, and what it wrote.
#[derive(Clone, Copy, Default)]
pub struct Phases {
    /// Start to journal opened.
    pub starting: Duration,
    /// Journal opened to group known (reading the input in).
    pub reading_input: Duration,
    /// Group known to `done:` (submitting, waiting, reading results,
    /// writing the output).
    pub after_input: Duration,
    /// Size of the output table.
    pub output_bytes: u64,
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
/// `phases`: a quarter (at least one) while the output is being written
/// (at a random share of its size), an eighth each while starting and
/// while reading the input, the rest at points drawn uniformly over the
/// uninterrupted run's time after reading the input, each process killed
/// that long after its own `group:` line as the gap since the previous
/// point, so that these fall across submitting, waiting and reading
/// results while each rerun resumes (every rerun reads the input again
/// first). Output kills come last (a process that writes the output has
/// done everything else). Half of the kills, drawn, also start a second
/// process beside their process.
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
        Some(Moment::After(
            From::Grouped,
            phases.after_input.mul_f64(gap),
        ))
    });
    let mut special: Vec<Moment> = Vec::with_capacity(starting + reading);
    for _ in 0..starting {
        let delay = phases.starting.mul_f64(rng.random::<f64>());
        special.push(Moment::After(From::Start, delay));
    }
    for _ in 0..reading {
        let delay = phases.reading_input.mul_f64(rng.random::<f64>());
        special.push(Moment::After(From::JournalOpened, delay));
    }
    special.shuffle(rng);
    let mut special = special.into_iter();
    // Where the starting and reading kills go among the timeline's, whose
    // order is kept.
    let mut is_special: Vec<bool> = [true]
        .repeat(starting + reading)
        .into_iter()
        .chain([false].repeat(timeline))
        .collect();
    is_special.shuffle(rng);
    let mut plan: Vec<Moment> = is_special
        .into_iter()
        .map(|s| if s { special.next() } else { gaps.next() })
        .map(|m| m.expect("one moment per slot"))
        .collect();
    // At most 95% of the size: the file is renamed into place once whole.
    plan.extend((0..output).map(|_| {
        Moment::OutputBytes((phases.output_bytes as f64 * 0.95 * rng.random::<f64>()) as u64)
    }));
    plan.into_iter()
        .map(|moment| Kill {
            moment,
            second: rng.random_bool(0.5).then(|| rng.random::<f64>()),
        })
        .collect()
}

/// An event of one process: when the poll saw it, and how much frozen
/// time had passed by then.
type Seen = Option<(Instant, Duration)>;

/// Runs the enrichment through one process per kill of `schedule`, then
/// until a process finishes it (exit 0 or 2); returns that exit code. A
/// process that finishes before its kill does not end the schedule: the
/// next ones rerun the finished job (and are killed rewriting its output,
/// say). With `second`, a second process is tried at least once (in the
/// finishing process if no killed one got to it).
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
    let mut finished = None;
    // Reruns of a finished job for a second process none of the killed
    // processes got to (one is enough unless it finishes too fast).
    let mut reruns_for_second = 0;
    loop {
        let kill = schedule.next();
        if let (None, Some(code)) = (&kill, finished) {
            if !second || log.seconds > 0 || reruns_for_second == 3 {
                return code;
            }
            reruns_for_second += 1;
        }
        log.processes += 1;
        let name = format!("{label} process {}", log.processes);
        let mut cli = CliProcess::start(enrich_command(emulator, dir), name.clone());
        if let Some(k) = &kill {
            eprintln!(
                "[{name}] plan: kill -9 at {:?}; second process at {:?} of the way",
                k.moment, k.second
            );
        }
        let partial = dir.join(format!("out.csv.partial-{}", cli.pid()));
        let start: Seen = Some((Instant::now(), Duration::ZERO));
        let (mut opened, mut grouped, mut done): (Seen, Seen, Seen) = (None, None, None);
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
            note(&mut done, cli.printed(DONE));
            // How far along the way to the kill (1.0: there), once its
            // event has happened.
            let way = match kill.as_ref().map(|k| k.moment) {
                None => Some(1.0),
                Some(Moment::After(from, delay)) => {
                    let seen = match from {
                        From::Start => start,
                        From::JournalOpened => opened,
                        From::Grouped => grouped,
                    };
                    seen.map(|(at, f)| {
                        let elapsed = (now - at).saturating_sub(frozen - f);
                        elapsed.as_secs_f64() / delay.as_secs_f64().max(f64::MIN_POSITIVE)
                    })
                }
                Some(Moment::OutputBytes(bytes)) => grouped
                    .and_then(|_| std::fs::metadata(&partial).ok())
                    .map(|m| m.len() as f64 / (bytes as f64).max(1.0)),
            };
            if let (Some(share), Some(way)) = (second_share, way)
                && opened.is_some()
                && way >= share
            {
                second_share = None;
                let stopped = Instant::now();
                second_process(emulator, dir, &mut cli, label, log).await;
                frozen += stopped.elapsed();
                continue;
            }
            if kill.is_some() && way.is_some_and(|w| w >= 1.0) {
                let stage = stage(emulator, rows, &cli, &partial).await;
                cli.kill();
                *log.kills.entry(stage).or_default() += 1;
                break None;
            }
            tokio::time::sleep(POLL).await;
        };
        let Some(code) = code else {
            finished = None;
            continue;
        };
        let stderr = cli.stderr();
        if code == 0 || code == 2 {
            let between = |a: Seen, b: Seen| match (a, b) {
                (Some((a, fa)), Some((b, fb))) => {
                    b.saturating_duration_since(a).saturating_sub(fb - fa)
                }
                _ => POLL,
            };
            log.phases = Phases {
                starting: between(start, opened),
                reading_input: between(opened, grouped),
                after_input: between(grouped, done),
                output_bytes: std::fs::metadata(dir.join("out.csv")).map_or(0, |m| m.len()),
            };
            finished = Some(code);
            failures_in_a_row = 0;
            continue;
        }
        // Exit 4 (the API: retries exhausted under the faults), 5 (a
        // request timed out) or 1 (the tool's own failure) is the tool
        // giving up with a message: rerun, as a user would. Anything else
        // (a usage error, a panic's 101, a signal) is a bug.
        assert!(
            matches!(code, 1 | 4 | 5),
            "{label}: a process exited {code}; its stderr:\n{stderr}"
        );
        finished = None;
        log.tool_errors
            .push(stderr.lines().last().unwrap_or_default().to_owned());
        failures_in_a_row += 1;
        assert!(
            failures_in_a_row < MAX_FAILURES_IN_A_ROW,
            "{label}: {failures_in_a_row} processes in a row gave up; the last said:\n{stderr}"
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
