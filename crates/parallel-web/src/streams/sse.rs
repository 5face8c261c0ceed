//! Server-sent-event framing over raw bytes.
//!
//! [`Framer`] takes the response body chunk by chunk and hands out complete
//! events as borrowed slices of its buffer: a one-line `data` field (the
//! only kind this API sends) is never copied, and each byte is scanned for
//! line ends once, with `memchr`. It follows the WHATWG rules: lines end
//! with LF, CRLF or CR; `:` lines are comments; several `data:` lines are
//! joined with `\n`; an event is dispatched at a blank line; an event cut
//! off by the end of the body is dropped; one byte order mark at the very
//! start is dropped. `id:` and `retry:` are read past (this API keeps its
//! cursor in the JSON), so the last-event-id and reconnection-time rules
//! are not followed here. Decoding the data is the caller's business.
//!
//! `eventsource-stream` copied the buffer once per line, about a third of
//! a typed stream's CPU in the benchmark (`bench/REPORT.md`); this framer
//! is what replaced it.

use std::borrow::Cow;

/// Largest event accepted, in bytes. A bigger one is an error rather than
/// a buffer that grows without bound.
pub(crate) const MAX_EVENT_BYTES: usize = 32 * 1024 * 1024;

/// The UTF-8 byte order mark: the WHATWG rules drop one at the very start
/// of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One complete event.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    /// The `event:` field (empty when absent).
    pub event: &'a [u8],
    /// The `data:` lines, joined with `\n`.
    pub data: Cow<'a, [u8]>,
}

/// An event grew past [`MAX_EVENT_BYTES`]: its lines, counted from the
/// blank line before it to the end of its last line, are longer than that.
/// Measured on the bytes of the stream, so where the chunks were cut does
/// not change whether (or where) this happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// Splits a byte stream into events.
#[derive(Debug)]
pub(crate) struct Framer {
    buf: Vec<u8>,
    /// Bytes before this offset belong to events already handed out.
    consumed: usize,
    /// Bytes before this offset have been split into lines.
    scanned: usize,
    /// Bytes from `scanned` up to this offset hold no line end: a long
    /// line arriving in many chunks is searched once, not once per chunk
    /// (which made a 32 MiB event cost quadratic time).
    searched: usize,
    /// The event being read (offsets into `buf`).
    event: (usize, usize),
    data: Data,
    /// The last line ended with CR at the very end of the buffer: an LF
    /// that comes next belongs to it.
    skip_lf: bool,
    /// The start of the stream has been checked for a byte order mark.
    past_bom: bool,
    /// Largest event accepted ([`MAX_EVENT_BYTES`]; smaller in tests).
    limit: usize,
}

/// Where the data of the event being read is.
#[derive(Debug, Default)]
enum Data {
    #[default]
    None,
    /// One `data:` line: its value's offsets in `buf`.
    Line(usize, usize),
    /// Several lines, joined.
    Joined(Vec<u8>),
}

impl Framer {
    /// A framer with an empty buffer.
    pub(crate) fn new() -> Framer {
        Framer::with_limit(MAX_EVENT_BYTES)
    }

    /// A framer that refuses events longer than `limit` bytes (tests use
    /// small limits to reach [`TooLarge`] with small inputs).
    pub(crate) fn with_limit(limit: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            consumed: 0,
            scanned: 0,
            searched: 0,
            event: (0, 0),
            data: Data::None,
            skip_lf: false,
            past_bom: false,
            limit,
        }
    }

    /// Appends a chunk of the body. Sizes are checked by
    /// [`next_frame`](Framer::next_frame), on the stream's bytes, so that
    /// the chunking never changes the outcome; the buffer holds at most the
    /// event being read plus one chunk.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        if self.consumed > 0 {
            // Keep only the event being read: move it to the front.
            self.buf.drain(..self.consumed);
            self.scanned -= self.consumed;
            self.searched = self.searched.saturating_sub(self.consumed);
            self.event.0 = self.event.0.saturating_sub(self.consumed);
            self.event.1 = self.event.1.saturating_sub(self.consumed);
            if let Data::Line(start, end) = &mut self.data {
                *start -= self.consumed;
                *end -= self.consumed;
            }
            self.consumed = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete event in what was pushed so far, if any; an error
    /// when the event being read is past the size limit (the stream cannot
    /// go on after that).
    pub(crate) fn next_frame(&mut self) -> Result<Option<Frame<'_>>, TooLarge> {
        if !self.past_bom {
            let seen = self.buf.len().min(BOM.len());
            if self.buf[..seen] != BOM[..seen] {
                self.past_bom = true;
            } else if seen < BOM.len() {
                // Too few bytes to tell yet.
                return Ok(None);
            } else {
                self.past_bom = true;
                self.scanned = BOM.len();
                self.consumed = BOM.len();
            }
        }
        loop {
            if self.skip_lf {
                let Some(&byte) = self.buf.get(self.scanned) else {
                    return Ok(None);
                };
                self.skip_lf = false;
                if byte == b'\n' {
                    // The LF of a CRLF cut between two chunks.
                    if self.consumed == self.scanned {
                        self.consumed += 1;
                    }
                    self.scanned += 1;
                }
            }
            let from = self.searched.max(self.scanned);
            let Some(at) = memchr::memchr2(b'\n', b'\r', &self.buf[from..]) else {
                self.searched = self.buf.len();
                // A line not ended yet: its bytes so far count too.
                let too_large =
                    self.scanned < self.buf.len() && self.buf.len() - self.consumed > self.limit;
                return if too_large { Err(TooLarge) } else { Ok(None) };
            };
            let line = (self.scanned, from + at);
            let mut next = line.1 + 1;
            if self.buf[line.1] == b'\r' {
                match self.buf.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    // CR at the end: a following LF, if any, is part of it.
                    None => self.skip_lf = true,
                }
            }
            self.scanned = next;
            if line.0 == line.1 {
                // A blank line: dispatch the event, if it has data.
                let had_data = !matches!(self.data, Data::None);
                let event = std::mem::take(&mut self.event);
                let data = std::mem::take(&mut self.data);
                self.consumed = next;
                if had_data {
                    let buf = &self.buf;
                    return Ok(Some(Frame {
                        event: &buf[event.0..event.1],
                        data: match data {
                            Data::Line(s, e) => Cow::Borrowed(&buf[s..e]),
                            Data::Joined(v) => Cow::Owned(v),
                            Data::None => Cow::Borrowed(&[]),
                        },
                    }));
                }
                continue;
            }
            // Measured to the end of the line's text, not of its line end:
            // a CRLF cut between chunks must not count differently.
            if line.1 - self.consumed > self.limit {
                return Err(TooLarge);
            }
            self.field(line);
        }
    }

    /// True when the buffer holds part of an event but not its end (data
    /// read but no blank line yet, or a field line cut off): a body that
    /// stops here was cut in the middle of an event. A trailing comment is
    /// not part of an event.
    pub(crate) fn in_event(&self) -> bool {
        !matches!(self.data, Data::None)
            || self
                .buf
                .get(self.scanned)
                .is_some_and(|&b| b != b':' && b != b'\n' && b != b'\r')
    }

    /// Reads one non-blank line.
    fn field(&mut self, (start, end): (usize, usize)) {
        let line = &self.buf[start..end];
        let (name, value) = match memchr::memchr(b':', line) {
            Some(0) => return, // a comment
            Some(colon) => {
                let value = start + colon + 1;
                let value = if self.buf.get(value) == Some(&b' ') && value < end {
                    value + 1
                } else {
                    value
                };
                (&line[..colon], (value, end))
            }
            None => (line, (end, end)),
        };
        match name {
            b"data" => {
                self.data = match std::mem::take(&mut self.data) {
                    Data::None => Data::Line(value.0, value.1),
                    Data::Line(s, e) => {
                        let mut joined = self.buf[s..e].to_vec();
                        joined.push(b'\n');
                        joined.extend_from_slice(&self.buf[value.0..value.1]);
                        Data::Joined(joined)
                    }
                    Data::Joined(mut joined) => {
                        joined.push(b'\n');
                        joined.extend_from_slice(&self.buf[value.0..value.1]);
                        Data::Joined(joined)
                    }
                }
            }
            b"event" => self.event = value,
            // `id`, `retry` and unknown fields carry nothing this API uses.
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "sse_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event of `body` pushed in pieces of `size` bytes, as (event, data).
    fn frames(body: &[u8], size: usize) -> Vec<(String, String)> {
        let mut framer = Framer::new();
        let mut out = Vec::new();
        for chunk in body.chunks(size.max(1)) {
            framer.push(chunk);
            while let Some(f) = framer.next_frame().unwrap() {
                out.push((
                    String::from_utf8_lossy(f.event).into_owned(),
                    String::from_utf8_lossy(&f.data).into_owned(),
                ));
            }
        }
        out
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(e, d)| (e.to_string(), d.to_string()))
            .collect()
    }

    #[test]
    fn events_are_the_same_whatever_the_chunk_sizes() {
        let body = b": keep-alive\n\nevent: a\ndata: {\"x\":1}\n\nevent: b\r\ndata: two\r\ndata: lines\r\n\r\ndata:no-space\r\rid: 7\nretry: 10\ndata: last\n\n";
        let expected = pairs(&[
            ("a", "{\"x\":1}"),
            ("b", "two\nlines"),
            ("", "no-space"),
            ("", "last"),
        ]);
        for size in 1..body.len() {
            assert_eq!(frames(body, size), expected, "chunks of {size}");
        }
    }

    #[test]
    fn a_truncated_last_event_and_data_less_events_are_dropped() {
        let body = b"event: only-a-name\n\ndata: complete\n\ndata: cut off";
        assert_eq!(frames(body, 5), pairs(&[("", "complete")]));
    }

    #[test]
    fn a_body_cut_in_the_middle_of_an_event_is_told_apart_from_a_clean_end() {
        let framed = |body: &[u8]| {
            let mut framer = Framer::new();
            framer.push(body);
            while framer.next_frame().unwrap().is_some() {}
            framer.in_event()
        };
        assert!(!framed(b"data: a\n\n"));
        assert!(!framed(b"data: a\n\n: keep-alive\n"));
        assert!(!framed(b"data: a\n\n: keep-al"));
        assert!(framed(b"data: a\n\ndata: {\"cut"));
        assert!(framed(b"data: a\n\ndata: {\"whole line\"}\n"));
        assert!(framed(b"data: a\n\nevent: task_run.st"));
    }

    #[test]
    fn a_field_without_colon_and_an_empty_data_line_follow_the_spec() {
        assert_eq!(frames(b"data\n\n", 3), pairs(&[("", "")]));
        assert_eq!(frames(b"data:\ndata:\n\n", 2), pairs(&[("", "\n")]));
    }

    #[test]
    fn an_event_past_the_limit_is_refused() {
        let mut framer = Framer::new();
        framer.push(b"data: ");
        assert_eq!(framer.next_frame(), Ok(None));
        let big = vec![b'x'; MAX_EVENT_BYTES];
        framer.push(&big);
        assert_eq!(framer.next_frame(), Err(TooLarge));
    }

    #[test]
    fn a_long_line_in_many_chunks_is_searched_once() {
        let mut framer = Framer::new();
        framer.push(b"data: ");
        for _ in 0..1000 {
            framer.push(&[b'x'; 1000]);
            assert_eq!(framer.next_frame(), Ok(None));
            assert_eq!(framer.searched, framer.buf.len(), "nothing left to search");
        }
        framer.push(b"\n\ndata: next\n\n");
        assert_eq!(framer.next_frame().unwrap().unwrap().data.len(), 1_000_000);
        assert_eq!(&*framer.next_frame().unwrap().unwrap().data, b"next");
    }

    #[test]
    fn consumed_bytes_are_released() {
        let mut framer = Framer::new();
        for _ in 0..1000 {
            framer.push(b"data: 0123456789\n\n");
            assert!(framer.next_frame().unwrap().is_some());
        }
        framer.push(b"data: x");
        assert!(framer.buf.len() < 64, "{}", framer.buf.len());
    }

    #[test]
    fn the_limit_is_32_mib_of_line_and_an_event_at_it_passes() {
        // One data line of exactly the limit (with its `data: ` prefix).
        let line = |len: usize| {
            let mut body = b"data: ".to_vec();
            body.resize(len, b'x');
            body
        };
        let mut framer = Framer::new();
        framer.push(&line(32 * 1024 * 1024));
        framer.push(b"\n\n");
        let frame = framer.next_frame().unwrap().unwrap();
        assert_eq!(frame.data.len(), 32 * 1024 * 1024 - 6);
        let mut framer = Framer::new();
        framer.push(&line(32 * 1024 * 1024 + 1));
        framer.push(b"\n\n");
        assert_eq!(framer.next_frame(), Err(TooLarge));
    }
}
