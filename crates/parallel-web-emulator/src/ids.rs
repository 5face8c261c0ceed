//! Identifiers, cursors, timestamps and the seeded hashing behind them.
//!
//! Run ids, group ids and stream cursors are not stored anywhere: each is an
//! invertible scramble of a small integer (an index into the emulator's tables),
//! keyed by the seed, plus a check word. That keeps per-run memory at zero for
//! ids while still looking like the real service's opaque hex strings.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// Prefix of task-run ids (`trun_` + 32 hex digits, as in the official examples).
pub const RUN_PREFIX: &str = "trun_";
/// Prefix of task-group ids.
pub const GROUP_PREFIX: &str = "tgrp_";

const M1: u64 = 0xbf58_476d_1ce4_e5b9;
const M2: u64 = 0x94d0_49bb_1331_11eb;

/// SplitMix64 finaliser: a bijection on `u64` with good avalanche.
pub fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(M1);
    x ^= x >> 27;
    x = x.wrapping_mul(M2);
    x ^ (x >> 31)
}

fn unshift(mut y: u64, s: u32) -> u64 {
    // Inverse of `x ^= x >> s`: fold the shifted copies back in.
    let mut shift = s;
    let orig = y;
    while shift < 64 {
        y = orig ^ (y >> s);
        shift += s;
    }
    y
}

fn inverse_odd(a: u64) -> u64 {
    // Newton's iteration for the inverse of an odd number modulo 2^64.
    let mut x = a;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
    }
    x
}

/// The inverse of [`mix`].
pub fn unmix(mut y: u64) -> u64 {
    y = unshift(y, 31);
    y = y.wrapping_mul(inverse_odd(M2));
    y = unshift(y, 27);
    y = y.wrapping_mul(inverse_odd(M1));
    unshift(y, 30)
}

/// Hash a seed and a few words into one well-mixed word.
pub fn hash(seed: u64, words: &[u64]) -> u64 {
    let mut h = mix(seed ^ 0x243f_6a88_85a3_08d3);
    for w in words {
        h = mix(h ^ w.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    h
}

/// Hash arbitrary bytes (FNV-1a, then mixed with the seed).
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    hash_byte_parts(seed, &[bytes])
}

/// [`hash_bytes`] of the parts joined, without joining them.
pub fn hash_byte_parts(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash(seed, &[h])
}

/// A uniform float in `[0, 1)` from a hash word.
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Which kind of thing an encoded token names; part of the key, so a group
/// cursor can never be mistaken for a run id and vice versa.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Run = 1,
    Group = 2,
    RunCursor = 3,
    EventCursor = 4,
    /// A FindAll run (`findall_…`).
    FindAll = 5,
    /// A FindAll candidate (`candidate_…`): run and position.
    FindAllCandidate = 6,
    /// A FindAll stream's `event_id`: run and position.
    FindAllEvent = 7,
    // Monitors (numbered apart from the task kinds, so other kinds can be
    // added before them).
    Monitor = 40,
    MonitorCursor = 41,
    MonitorEvent = 42,
    MonitorEventGroup = 43,
    MonitorEventCursor = 44,
}

/// Encodes and decodes ids and cursors for one seed.
#[derive(Clone, Copy, Debug)]
pub struct Codec {
    seed: u64,
}

impl Codec {
    /// A codec keyed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed }
    }

    fn key(&self, kind: Kind) -> (u64, u64) {
        let k = kind as u64;
        (hash(self.seed, &[k, 1]), hash(self.seed, &[k, 2]))
    }

    /// 32 lowercase hex digits naming `value` under `kind`.
    pub fn encode(&self, kind: Kind, value: u64) -> String {
        let mut out = String::with_capacity(32);
        self.encode_into(&mut out, kind, value);
        out
    }

    /// Appends [`Codec::encode`]'s text to `out` (written by hand: ids and
    /// cursors are encoded for every run served).
    fn encode_into(&self, out: &mut String, kind: Kind, value: u64) {
        let (k1, k2) = self.key(kind);
        let lo = mix(value ^ k1);
        let hi = mix(lo ^ k2);
        push_hex(out, hi);
        push_hex(out, lo);
    }

    /// `prefix` followed by [`Codec::encode`]'s text.
    fn prefixed(&self, prefix: &str, kind: Kind, value: u64) -> String {
        let mut out = String::with_capacity(prefix.len() + 32);
        out.push_str(prefix);
        self.encode_into(&mut out, kind, value);
        out
    }

    /// The value behind 32 hex digits, if they were made by [`Codec::encode`] with `kind`.
    pub fn decode(&self, kind: Kind, text: &str) -> Option<u64> {
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let hi = u64::from_str_radix(&text[..16], 16).ok()?;
        let lo = u64::from_str_radix(&text[16..], 16).ok()?;
        let (k1, k2) = self.key(kind);
        (mix(lo ^ k2) == hi).then(|| unmix(lo) ^ k1)
    }

    /// `trun_…` for run number `index`.
    pub fn run_id(&self, index: u32) -> String {
        self.prefixed(RUN_PREFIX, Kind::Run, u64::from(index))
    }

    /// The run number behind a `trun_…` id.
    pub fn parse_run_id(&self, id: &str) -> Option<u32> {
        let v = self.decode(Kind::Run, id.strip_prefix(RUN_PREFIX)?)?;
        u32::try_from(v).ok()
    }

    /// `tgrp_…` for group number `index`.
    pub fn group_id(&self, index: u32) -> String {
        self.prefixed(GROUP_PREFIX, Kind::Group, u64::from(index))
    }

    /// The group number behind a `tgrp_…` id.
    pub fn parse_group_id(&self, id: &str) -> Option<u32> {
        let v = self.decode(Kind::Group, id.strip_prefix(GROUP_PREFIX)?)?;
        u32::try_from(v).ok()
    }

    /// The cursor naming position `pos` of group `group`'s run or event stream.
    pub fn cursor(&self, kind: Kind, group: u32, pos: u64) -> String {
        self.encode(kind, (u64::from(group) << 40) | (pos & ((1 << 40) - 1)))
    }

    /// `(group, pos)` behind a cursor of `kind`.
    pub fn parse_cursor(&self, kind: Kind, text: &str) -> Option<(u32, u64)> {
        let v = self.decode(kind, text)?;
        Some(((v >> 40) as u32, v & ((1 << 40) - 1)))
    }
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// RFC 3339 with microseconds and `Z`, like `2025-04-24T18:56:22.513132Z`.
pub fn timestamp(micros: i64) -> String {
    let t = DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default();
    let Ok(year @ 0..=9999) = u32::try_from(t.year()) else {
        // Years beyond four digits get chrono's sign and width rules.
        return t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    };
    // The same text as that format, digit by digit: a timestamp is written
    // for every run served, and parsing the format string dominated that.
    let mut out = String::with_capacity(27);
    push_digits(&mut out, year, 4);
    out.push('-');
    push_digits(&mut out, t.month(), 2);
    out.push('-');
    push_digits(&mut out, t.day(), 2);
    out.push('T');
    push_digits(&mut out, t.hour(), 2);
    out.push(':');
    push_digits(&mut out, t.minute(), 2);
    out.push(':');
    push_digits(&mut out, t.second(), 2);
    out.push('.');
    push_digits(&mut out, t.timestamp_subsec_micros() % 1_000_000, 6);
    out.push('Z');
    out
}

/// Appends `v` as 16 lowercase hex digits.
fn push_hex(out: &mut String, v: u64) {
    for i in (0..16).rev() {
        out.push(char::from(
            b"0123456789abcdef"[(v >> (4 * i) & 0xf) as usize],
        ));
    }
}

/// Appends `n` in decimal, zero-padded to `width` digits (`n` must fit).
fn push_digits(out: &mut String, n: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u32.pow(i) % 10) as u8));
    }
}

/// A UUID-shaped reference id for an error body, derived from a hash word.
pub fn ref_id(h: u64) -> String {
    let g = mix(h ^ 0x5555);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        0x8000 | (g >> 48 & 0x3fff),
        g & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_the_strftime_format_writes_them() {
        let strftime = |micros: i64| {
            DateTime::<Utc>::from_timestamp_micros(micros)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string()
        };
        let samples = [
            0,
            1,
            999_999,
            1_764_790_000_123_456,
            -1,
            -62_135_596_800_000_000,
            253_402_300_799_999_999,
            253_402_300_800_000_000,
            -62_135_596_800_000_001,
            i64::MAX,
            i64::MIN,
        ];
        let spread = (0..2_000).map(|i| hash(9, &[i]) as i64 >> 8);
        for micros in samples.into_iter().chain(spread) {
            assert_eq!(timestamp(micros), strftime(micros), "{micros}");
        }
    }

    #[test]
    fn hashing_parts_is_hashing_them_joined() {
        let parts: [&[u8]; 3] = [b"{\"a\":1}", b"\0", b"spec"];
        assert_eq!(hash_byte_parts(5, &parts), hash_bytes(5, &parts.concat()));
        assert_eq!(hash_byte_parts(5, &[]), hash_bytes(5, b""));
    }

    #[test]
    fn ids_and_cursors_are_the_hex_of_both_scrambled_words() {
        let c = Codec::new(11);
        for value in [0, 1, 0xffff, u64::from(u32::MAX), u64::MAX] {
            let (k1, k2) = c.key(Kind::RunCursor);
            let lo = mix(value ^ k1);
            let hi = mix(lo ^ k2);
            assert_eq!(
                c.encode(Kind::RunCursor, value),
                format!("{hi:016x}{lo:016x}")
            );
        }
        assert_eq!(c.run_id(7), format!("trun_{}", c.encode(Kind::Run, 7)));
        assert_eq!(c.group_id(7), format!("tgrp_{}", c.encode(Kind::Group, 7)));
    }

    #[test]
    fn mix_round_trips() {
        for x in [0, 1, 42, u64::MAX, 0xdead_beef] {
            assert_eq!(unmix(mix(x)), x);
        }
    }

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let c = Codec::new(7);
        let id = c.run_id(12345);
        assert_eq!(id.len(), 5 + 32);
        assert_eq!(c.parse_run_id(&id), Some(12345));
        assert_eq!(
            c.parse_run_id("trun_0123456789abcdef0123456789abcdef"),
            None
        );
        assert_eq!(Codec::new(8).parse_run_id(&id), None);
        let cur = c.cursor(Kind::EventCursor, 3, 99);
        assert_eq!(c.parse_cursor(Kind::EventCursor, &cur), Some((3, 99)));
        assert_eq!(c.parse_cursor(Kind::RunCursor, &cur), None);
    }

    #[test]
    fn timestamps_have_micros_and_z() {
        assert_eq!(
            timestamp(1_745_520_982_513_132),
            "2025-04-24T18:56:22.513132Z"
        );
    }

    #[test]
    fn group_ids_round_trip_and_are_not_run_ids() {
        let c = Codec::new(7);
        let id = c.group_id(42);
        assert!(id.starts_with(GROUP_PREFIX) && id.len() == 5 + 32, "{id}");
        assert_eq!(c.parse_group_id(&id), Some(42));
        assert_eq!(c.parse_group_id(&c.group_id(0)), Some(0));
        assert_eq!(c.parse_run_id(&id.replace(GROUP_PREFIX, RUN_PREFIX)), None);
        assert_eq!(c.parse_group_id(&c.run_id(42)), None);
    }

    #[test]
    fn cursors_of_any_length_or_alphabet_but_their_own_are_refused() {
        let c = Codec::new(7);
        let cur = c.cursor(Kind::RunCursor, 5, 1 << 39);
        assert_eq!(c.parse_cursor(Kind::RunCursor, &cur), Some((5, 1 << 39)));
        for bad in [
            "",
            "abc",
            "0123456789abcdef",
            &cur[..31],
            &format!("{cur}0"),
        ] {
            assert_eq!(c.parse_cursor(Kind::RunCursor, bad), None, "{bad:?}");
        }
        let not_hex = format!("{}g", &cur[..31]);
        assert_eq!(c.parse_cursor(Kind::RunCursor, &not_hex), None);
    }

    #[test]
    fn every_seed_gives_its_own_ids() {
        let ids: std::collections::HashSet<String> =
            (0..64).map(|seed| Codec::new(seed).run_id(0)).collect();
        assert_eq!(ids.len(), 64);
    }

    #[test]
    fn byte_hashes_are_fnv_1a_then_seeded() {
        // The FNV-1a 64-bit test vector for "a".
        assert_eq!(hash_bytes(3, b"a"), hash(3, &[0xaf63_dc4c_8601_ec8c]));
        assert_ne!(hash_bytes(3, b"a"), hash_bytes(3, b"b"));
        assert_ne!(hash_bytes(3, b"a"), hash_bytes(4, b"a"));
    }

    #[test]
    fn unit_maps_hash_words_onto_zero_to_one() {
        assert_eq!(unit(0), 0.0);
        assert_eq!(unit(1 << 63), 0.5);
        assert!(unit(u64::MAX) < 1.0 && unit(u64::MAX) > 0.999_999);
    }

    #[test]
    fn ref_ids_are_version_4_uuids_and_now_is_after_2023() {
        let r = ref_id(0x0123_4567_89ab_cdef);
        let parts: Vec<&str> = r.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "{r}"
        );
        assert_eq!(&r[..18], "01234567-89ab-4def", "{r}");
        assert!(matches!(parts[3].as_bytes()[0], b'8'..=b'b'), "{r}");
        assert!(r.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        assert_ne!(ref_id(1), ref_id(2));
        assert!(now_micros() > 1_700_000_000_000_000);
    }

    #[test]
    fn a_hash_depends_on_every_word() {
        for seed in [0, 7] {
            let hashes: std::collections::HashSet<u64> = (0..16)
                .flat_map(|a| (0..16).map(move |b| hash(seed, &[a, b])))
                .collect();
            assert_eq!(hashes.len(), 256, "seed {seed}");
        }
    }
}
