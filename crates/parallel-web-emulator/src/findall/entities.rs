//! The entities a FindAll run can find: a deterministic world per
//! objective, and the drafts `ingest` makes from an objective.
//!
//! Entity `e` of a world is a pure function of the seed, the objective, the
//! entity type and `e`: its name, url and description are derived when
//! served and never stored. Two runs with the same objective meet the same
//! entities in the same order, so a client can exclude the results of an
//! earlier run. Names are unique within a world. An objective with the word
//! `obscure` has a small world (12 to 30 entities), so its runs end with
//! `candidates_exhausted`; any other world is practically endless.
//!
//! Evidence (citations) points into the synthetic web of [`crate::web`], so
//! the cited pages can be read with extract.

use super::{Condition, Verdict};
use crate::ids;
use crate::web;

const COMPANY_HEADS: [&str; 12] = [
    "Nor", "Ael", "Ven", "Kal", "Sol", "Tri", "Lum", "Bra", "Cor", "Zen", "Ori", "Vas",
];
const COMPANY_TAILS: [&str; 10] = [
    "dex", "via", "tron", "ora", "ix", "ium", "era", "ant", "is", "on",
];
const COMPANY_KINDS: [&str; 10] = [
    "Labs",
    "Systems",
    "Technologies",
    "AI",
    "Robotics",
    "Health",
    "Energy",
    "Capital",
    "Networks",
    "Bio",
];
const FIRST_NAMES: [&str; 20] = [
    "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Luis", "Maya", "Nils", "Olga", "Priya", "Quentin", "Rosa", "Sami", "Tara",
];
const LAST_NAMES: [&str; 20] = [
    "Moreno",
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Rossi",
    "Novak",
    "Haddad",
    "Fischer",
    "Kowalski",
    "Mensah",
    "Dubois",
    "Park",
    "Silva",
    "Ivanova",
    "Brennan",
    "Chen",
    "Adeyemi",
    "Larsen",
    "Gupta",
    "Weber",
];
const CITIES: [&str; 10] = [
    "Berlin",
    "Lagos",
    "Austin",
    "Seoul",
    "Toronto",
    "Lisbon",
    "Bangalore",
    "Melbourne",
    "Nairobi",
    "Utrecht",
];
const SECTIONS: [&str; 4] = ["news", "reports", "articles", "wiki"];
/// Names per block before a number is added to keep them unique.
const COMPANY_BLOCK: u32 = 1200;
const PEOPLE_BLOCK: u32 = 400 * 26;
/// The size of a world without the word `obscure`.
const ENDLESS: u32 = 50_000_000;

/// The entities one objective can reach.
#[derive(Debug, Clone)]
pub struct World {
    key: u64,
    size: u32,
    people: bool,
    topic: Vec<String>,
}

impl World {
    /// The world of `objective` for `entity_type` under `seed`.
    pub fn new(seed: u64, objective: &str, entity_type: &str) -> Self {
        let key = ids::hash_bytes(seed, format!("{objective}\u{0}{entity_type}").as_bytes());
        let topic = web::words_of(objective);
        let size = if topic.iter().any(|w| w == "obscure") {
            12 + (ids::hash(key, &[1]) % 19) as u32
        } else {
            ENDLESS
        };
        World {
            key,
            size,
            people: is_people(entity_type),
            topic,
        }
    }

    /// How many entities it holds.
    pub fn size(&self) -> u32 {
        self.size
    }

    fn h(&self, e: u32, what: u64) -> u64 {
        ids::hash(self.key, &[u64::from(e), what])
    }

    /// Entity `e`'s name (unique in the world).
    pub fn name(&self, e: u32) -> String {
        let block = if self.people {
            PEOPLE_BLOCK
        } else {
            COMPANY_BLOCK
        };
        // An affine map with a multiplier coprime to the block size is a
        // permutation of each block: distinct entities, distinct names.
        let i = (u64::from(e % block) * 7 + self.key % u64::from(block)) % u64::from(block);
        let i = i as usize;
        let mut name = if self.people {
            format!(
                "{} {}. {}",
                FIRST_NAMES[i % 20],
                char::from(b'A' + (i / 400) as u8),
                LAST_NAMES[(i / 20) % 20]
            )
        } else {
            format!(
                "{}{} {}",
                COMPANY_HEADS[i % 12],
                COMPANY_TAILS[(i / 12) % 10],
                COMPANY_KINDS[i / 120]
            )
        };
        if e >= block {
            name.push_str(&format!(" {}", e / block + 1));
        }
        name
    }

    /// Entity `e`'s main web address (a page of the synthetic web).
    pub fn url(&self, e: u32) -> String {
        self.url_named(e, &self.name(e))
    }

    /// [`World::url`] when the name is already known.
    fn url_named(&self, e: u32, name: &str) -> String {
        let host = web::HOSTS[(self.h(e, 2) % web::HOSTS.len() as u64) as usize];
        let kind = if self.people { "people" } else { "companies" };
        format!("https://{host}/{kind}/{}", slug(name))
    }

    /// Entity `e`'s name, main web address and a short text about it.
    pub fn describe(&self, e: u32) -> Entity {
        let name = self.name(e);
        let city = CITIES[(self.h(e, 3) % CITIES.len() as u64) as usize];
        let about = self.topic_words(e);
        let description = if self.people {
            format!("{name}, based in {city}, is known for work on {about}.")
        } else {
            let year = 1995 + self.h(e, 4) % 30;
            format!("{name} is a company founded in {year} in {city}, working on {about}.")
        };
        Entity {
            url: self.url_named(e, &name),
            name,
            description,
        }
    }

    fn topic_words(&self, e: u32) -> String {
        match self.topic.len() {
            0 => "its field".to_owned(),
            1 => self.topic[0].clone(),
            n => {
                let a = (self.h(e, 5) % n as u64) as usize;
                format!("{} and {}", self.topic[a], self.topic[(a + 1) % n])
            }
        }
    }

    /// True when entity `e`'s name or url is in `excluded` (lower-cased).
    pub fn is_excluded(&self, e: u32, excluded: &std::collections::HashSet<String>) -> bool {
        !excluded.is_empty()
            && (excluded.contains(&self.name(e).to_lowercase())
                || excluded.contains(&self.url(e).to_lowercase()))
    }

    /// Entity `e`'s standing against `conditions` match conditions: one in
    /// sixteen is discarded, about half of the rest match.
    pub fn verdict(&self, e: u32, conditions: usize) -> Verdict {
        let h = self.h(e, 6);
        if h.is_multiple_of(16) {
            Verdict::Discarded
        } else if conditions == 0 || ids::unit(ids::hash(h, &[1])) < 0.5 {
            Verdict::Matched
        } else {
            Verdict::Unmatched
        }
    }

    /// Whether entity `e` meets condition `j` of `n` (an unmatched entity
    /// fails at least one).
    pub fn meets(&self, e: u32, verdict: Verdict, j: usize, n: usize) -> bool {
        match verdict {
            Verdict::Matched => true,
            _ => {
                let failing = (self.h(e, 7) % n.max(1) as u64) as usize;
                j != failing && self.h(e, 8 + j as u64).is_multiple_of(2)
            }
        }
    }

    /// Where evidence about entity `e` (named `name`) and `about` (a field
    /// name) is cited from: a url of the synthetic web and its title. The
    /// page is not generated here (that would cost more than the rest of an
    /// event); extract reads it on demand.
    pub fn evidence(&self, e: u32, name: &str, about: &str) -> (String, String) {
        let host = web::HOSTS[(self.h(e, 9) % web::HOSTS.len() as u64) as usize];
        let section = SECTIONS[(self.h(e, 10) % SECTIONS.len() as u64) as usize];
        let url = format!("https://{host}/{section}/{}-{}", slug(name), slug(about));
        let title = format!("{name}: {} | {host}", about.replace('_', " "));
        (url, title)
    }

    /// The first `n` entities (at most the world's size): the answer of
    /// `candidates` and `entity-search`.
    pub fn first(&self, n: u32) -> impl Iterator<Item = u32> {
        0..n.min(self.size)
    }
}

/// An entity as served: name, url, description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Its name.
    pub name: String,
    /// Its main web address.
    pub url: String,
    /// A short text about it.
    pub description: String,
}

/// True for entity types that name people.
pub fn is_people(entity_type: &str) -> bool {
    let t = entity_type.to_ascii_lowercase();
    [
        "people",
        "person",
        "founder",
        "ceo",
        "executive",
        "researcher",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Lower-case words joined by `-`.
pub fn slug(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// The draft `ingest` makes of an objective: the entity type, and one
/// match condition per clause after the first ("… that …", "… with …").
pub fn draft(objective: &str) -> (String, Vec<Condition>) {
    let words = web::words_of(objective);
    let entity_type = if words.iter().any(|w| is_people(w) || w == "persons") {
        "people"
    } else {
        "companies"
    };
    let lower = objective.to_lowercase();
    let mut clauses: Vec<String> = vec![lower];
    for sep in [" that ", " which ", " who ", " with ", " and ", ", "] {
        clauses = clauses
            .iter()
            .flat_map(|c| c.split(sep).map(str::to_owned).collect::<Vec<_>>())
            .collect();
    }
    let clauses: Vec<String> = clauses
        .into_iter()
        .map(|c| c.trim().trim_end_matches('.').to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    let wanted: &[String] = if clauses.len() > 1 {
        &clauses[1..]
    } else {
        &clauses
    };
    let mut conditions: Vec<Condition> = Vec::new();
    for clause in wanted {
        let base: Vec<String> = web::words_of(clause).into_iter().take(4).collect();
        let base = if base.is_empty() {
            "objective".to_owned()
        } else {
            base.join("_")
        };
        let mut name = format!("{base}_check");
        let mut k = 2;
        while conditions.iter().any(|c| c.name == name) {
            name = format!("{base}_{k}_check");
            k += 1;
        }
        conditions.push(Condition {
            name,
            description: format!("The {} must satisfy this: {clause}.", singular(entity_type)),
        });
    }
    if conditions.is_empty() {
        conditions.push(Condition {
            name: "objective_check".to_owned(),
            description: "The entity must fit the objective.".to_owned(),
        });
    }
    (entity_type.to_owned(), conditions)
}

fn singular(entity_type: &str) -> &'static str {
    if is_people(entity_type) {
        "person"
    } else {
        "company"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_within_a_world() {
        for kind in ["companies", "people"] {
            let w = World::new(1, "robotics startups", kind);
            let names: HashSet<String> = (0..30_000).map(|e| w.name(e)).collect();
            assert_eq!(w.describe(7).name, w.name(7));
            assert_eq!(w.describe(7).url, w.url(7));
            assert_eq!(names.len(), 30_000, "{kind}");
        }
    }

    #[test]
    fn the_same_objective_meets_the_same_entities() {
        let a = World::new(1, "robotics startups", "companies");
        let b = World::new(1, "robotics startups", "companies");
        assert_eq!(a.url(5), b.url(5));
        assert_ne!(
            a.name(5),
            World::new(2, "robotics startups", "companies").name(5)
        );
    }

    #[test]
    fn an_unmatched_entity_fails_at_least_one_condition() {
        let w = World::new(1, "robotics startups", "companies");
        for e in 0..500 {
            if w.verdict(e, 3) == Verdict::Unmatched {
                assert!((0..3).any(|j| !w.meets(e, Verdict::Unmatched, j, 3)));
            }
        }
    }

    #[test]
    fn a_draft_has_one_condition_per_clause_after_the_subject() {
        let (kind, conditions) =
            draft("AI startups in Berlin that raised a Series A and have over 50 employees");
        assert_eq!(kind, "companies");
        assert_eq!(conditions.len(), 2, "{conditions:?}");
        assert!(conditions[0].name.starts_with("raised"));
        let (kind, _) = draft("Founders of fintech companies");
        assert_eq!(kind, "people");
    }
}
