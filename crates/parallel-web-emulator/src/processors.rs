//! The processor tiers the API knows, and how long each takes.
//!
//! Latency ranges are the documented ones (API-NOTES §8); the emulator samples a
//! duration uniformly in the range and multiplies it by the time scale.

/// One processor tier.
#[derive(Debug, Clone, Copy)]
pub struct Processor {
    /// Wire name, e.g. `core` or `core-fast`.
    pub name: &'static str,
    /// Fastest run, seconds.
    pub min_secs: f64,
    /// Slowest run, seconds.
    pub max_secs: f64,
}

const fn p(name: &'static str, min_secs: f64, max_secs: f64) -> Processor {
    Processor {
        name,
        min_secs,
        max_secs,
    }
}

const M: f64 = 60.0;
const H: f64 = 3600.0;

/// Every known processor; the index into this table is what a run stores.
pub const PROCESSORS: [Processor; 18] = [
    p("lite", 10.0, 60.0),
    p("base", 15.0, 100.0),
    p("core", M, 5.0 * M),
    p("core2x", M, 10.0 * M),
    p("pro", 2.0 * M, 10.0 * M),
    p("ultra", 5.0 * M, 25.0 * M),
    p("ultra2x", 5.0 * M, 50.0 * M),
    p("ultra4x", 5.0 * M, 90.0 * M),
    p("ultra8x", 5.0 * M, 2.0 * H),
    p("lite-fast", 10.0, 20.0),
    p("base-fast", 15.0, 50.0),
    p("core-fast", 15.0, 100.0),
    p("core2x-fast", 15.0, 3.0 * M),
    p("pro-fast", 30.0, 5.0 * M),
    p("ultra-fast", M, 10.0 * M),
    p("ultra2x-fast", M, 20.0 * M),
    p("ultra4x-fast", M, 40.0 * M),
    p("ultra8x-fast", M, H),
];

/// The table index of a processor name, if it is known.
pub fn lookup(name: &str) -> Option<u8> {
    PROCESSORS
        .iter()
        .position(|p| p.name == name)
        .map(|i| i as u8)
}

/// The processor at a table index (falls back to `lite` for a bad index).
pub fn get(index: u8) -> &'static Processor {
    PROCESSORS.get(usize::from(index)).unwrap_or(&PROCESSORS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_has_a_fast_variant() {
        for p in &PROCESSORS[..9] {
            assert!(lookup(&format!("{}-fast", p.name)).is_some());
        }
        assert_eq!(lookup("nope"), None);
    }
}
