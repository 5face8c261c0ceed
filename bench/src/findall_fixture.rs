//! The FindAll event-stream fixture: one run's events as the API frames
//! them (`event:` and `data:` lines, each event with its `event_id`), made
//! in memory like the chat fixture: the workload measures reading a
//! stream, and a synthetic one of any size takes no server work.
//!
//! The first and last events are the run's status (running, then
//! completed and inactive, so a client that ends its stream on the run's
//! final status ends there); every event between is a candidate, cycling
//! through generated, matched, unmatched and enriched, the matched and
//! enriched ones with an output of two fields and their basis. Names are
//! ASCII, so a client's checksum (the candidates' name lengths added up)
//! is the same in bytes and characters.

use std::fmt::Write;

/// The candidate event kinds, in the order the fixture cycles through them,
/// with the match status each one's candidate has.
const KINDS: [(&str, &str); 4] = [
    ("findall.candidate.generated", "generated"),
    ("findall.candidate.matched", "matched"),
    ("findall.candidate.unmatched", "unmatched"),
    ("findall.candidate.enriched", "matched"),
];

const TIMESTAMP: &str = "2025-09-15T12:00:00Z";

/// The events of one FindAll run, `events` of them in all (at least 2).
pub fn findall_events(events: usize) -> bytes::Bytes {
    let events = events.max(2);
    let mut out = String::with_capacity(events * 700);
    status(&mut out, 0, "running", true, 0);
    for i in 1..events - 1 {
        candidate(&mut out, i);
    }
    status(&mut out, events - 1, "completed", false, events - 2);
    bytes::Bytes::from(out)
}

fn name(i: usize) -> String {
    format!("Company {i} Robotics")
}

fn status(out: &mut String, i: usize, status: &str, active: bool, generated: usize) {
    let reason = if active {
        "null"
    } else {
        r#""candidates_exhausted""#
    };
    let _ = write!(
        out,
        "event: findall.status\ndata: {{\"type\":\"findall.status\",\"timestamp\":\"{TIMESTAMP}\",\
         \"event_id\":\"fev_{i:08}\",\"data\":{{\"findall_id\":\"findall_bench\",\"status\":{{\
         \"status\":\"{status}\",\"is_active\":{active},\"metrics\":{{\"generated_candidates_count\":{generated},\
         \"matched_candidates_count\":{}}},\"termination_reason\":{reason}}},\"generator\":\"core\",\
         \"metadata\":null,\"created_at\":\"{TIMESTAMP}\",\"modified_at\":\"{TIMESTAMP}\"}}}}\n\n",
        generated / 2
    );
}

fn candidate(out: &mut String, i: usize) {
    let (kind, match_status) = KINDS[(i - 1) % KINDS.len()];
    let name = name(i);
    let (output, basis) = if match_status == "matched" {
        (
            format!(
                "{{\"sells_robots\":{{\"value\":\"Yes: {name} sells robots\",\"type\":\"match_condition\",\
                 \"is_matched\":true}},\"founded\":{{\"value\":\"{}\",\"type\":\"enrichment\"}}}}",
                1990 + i % 30
            ),
            format!(
                "[{{\"field\":\"sells_robots\",\"citations\":[{{\"title\":\"About {name}\",\
                 \"url\":\"https://company{i}.example/about\",\"excerpts\":[\"{name} builds robots.\"]}}],\
                 \"reasoning\":\"The company page says so.\",\"confidence\":\"high\"}}]"
            ),
        )
    } else {
        ("null".to_owned(), "null".to_owned())
    };
    let _ = write!(
        out,
        "event: {kind}\ndata: {{\"type\":\"{kind}\",\"timestamp\":\"{TIMESTAMP}\",\"event_id\":\"fev_{i:08}\",\
         \"data\":{{\"candidate_id\":\"candidate_{i}\",\"name\":\"{name}\",\"url\":\"https://company{i}.example\",\
         \"description\":\"A robotics company.\",\"match_status\":\"{match_status}\",\"output\":{output},\
         \"basis\":{basis}}}}}\n\n"
    );
}

#[cfg(test)]
mod tests {
    /// The checksum a client reports: the candidates' name lengths added up.
    fn checksum(events: usize) -> u64 {
        (1..events - 1).map(|i| super::name(i).len() as u64).sum()
    }

    #[test]
    fn every_event_is_json_with_a_cursor_and_the_last_says_the_run_stopped() {
        let body = super::findall_events(10);
        let text = std::str::from_utf8(&body).unwrap();
        let data: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        assert_eq!(data.len(), 10);
        assert!(data.iter().all(|e| e["event_id"].is_string()));
        assert_eq!(data[0]["data"]["status"]["is_active"], true);
        assert_eq!(data[9]["data"]["status"]["is_active"], false);
        let names: u64 = data[1..9]
            .iter()
            .map(|e| e["data"]["name"].as_str().unwrap().len() as u64)
            .sum();
        assert_eq!(names, checksum(10));
    }
}
