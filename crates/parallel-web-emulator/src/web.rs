//! The synthetic web behind search and extract: a fixed set of hosts whose
//! pages are made up, deterministically, from the seed and the URL.
//!
//! A page is a pure function of `(seed, url)`: its title and text are built
//! from the words of its path, so a search result's page says the words that
//! were searched for, and extracting that URL later returns the same page.
//! Nothing is stored. What this module does not do: rank by any real
//! relevance, follow links, or know about hosts outside [`HOSTS`] (those are
//! unreachable, as an extract error reports).

use crate::ids;
use chrono::{Days, NaiveDate};

/// Every host of the synthetic web. The spread of suffixes lets source
/// policies such as `.gov`, `.edu` or `.co.uk` select something.
pub const HOSTS: &[&str] = &[
    "example.com",
    "news.example.com",
    "example.org",
    "docs.example.org",
    "example.net",
    "example.edu",
    "research.example.edu",
    "example.gov",
    "data.example.gov",
    "example.co.uk",
    "example.io",
    "blog.example.io",
];

/// The most results one search returns, whatever `max_results` asks for.
pub const MAX_RESULTS_PER_SEARCH: usize = 50;

/// Excerpts shorter than this per result are raised to it (as documented).
pub const MIN_EXCERPT_CHARS: usize = 1000;

const SECTIONS: &[&str] = &["articles", "guides", "news", "reports", "wiki"];

const STOPWORDS: &[&str] = &[
    "the",
    "they",
    "their",
    "them",
    "did",
    "does",
    "has",
    "have",
    "its",
    "not",
    "but",
    "can",
    "will",
    "and",
    "for",
    "with",
    "from",
    "that",
    "this",
    "what",
    "which",
    "about",
    "into",
    "are",
    "was",
    "were",
    "how",
    "why",
    "who",
    "when",
    "where",
    "find",
    "latest",
    "information",
    "focus",
    "on",
    "of",
    "in",
    "to",
    "a",
    "an",
    "is",
    "be",
    "or",
    "any",
    "new",
];

const SENTENCES: &[&str] = &[
    "{A} has been studied in depth, and {B} is central to how {C} is understood.",
    "Recent reports on {A} show how {B} changes the picture for {C}.",
    "Practitioners describe {B} as the part of {A} that matters most in day-to-day work.",
    "A short history of {C} explains why {A} and {B} are so often mentioned together.",
    "Critics of {A} point to open questions about {B}, especially where {C} is concerned.",
    "The figures for {B} over the last years suggest steady interest in {A}.",
    "This page collects sources on {A}, {B} and {C}, with notes on each.",
    "Comparing {C} with {A} makes the role of {B} easier to see.",
];

/// One page of the synthetic web.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's address, as requested.
    pub url: String,
    /// Title built from the path's words and the host.
    pub title: String,
    /// Publication day.
    pub published: NaiveDate,
    /// The body, paragraph by paragraph (plain text).
    pub paragraphs: Vec<String>,
}

impl Page {
    /// The whole page as markdown, at most `max_chars` characters.
    pub fn full_content(&self, max_chars: Option<usize>) -> String {
        let mut text = format!("# {}\n\n{}", self.title, self.paragraphs.join("\n\n"));
        if let Some(max) = max_chars {
            truncate_chars(&mut text, max);
        }
        text
    }

    /// The paragraphs that mention `focus` words most, best first, as
    /// excerpts of at most `max_chars` characters together. With no focus
    /// words the page's opening paragraphs are the excerpts.
    pub fn excerpts(&self, focus: &[String], max_chars: usize) -> Vec<String> {
        let mut ranked: Vec<(usize, usize)> = self
            .paragraphs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let lower = p.to_lowercase();
                (
                    focus.iter().filter(|w| lower.contains(w.as_str())).count(),
                    i,
                )
            })
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut left = max_chars;
        let mut out = Vec::new();
        for (_, i) in ranked.into_iter().take(3) {
            if left == 0 {
                break;
            }
            let mut excerpt = self.paragraphs[i].clone();
            truncate_chars(&mut excerpt, left);
            left -= excerpt.chars().count();
            out.push(excerpt);
        }
        out
    }
}

/// Why a URL has no page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreachable {
    /// Not an `http(s)://host/...` address.
    NotAUrl,
    /// The host is not part of the synthetic web.
    UnknownHost(String),
    /// The host answers, but not with a page (paths under `/missing`).
    NotFound,
}

/// The page at `url`, or why there is none.
pub fn page(seed: u64, url: &str) -> Result<Page, Unreachable> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(Unreachable::NotAUrl)?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(Unreachable::NotAUrl);
    }
    if !is_synthetic_host(&host) {
        return Err(Unreachable::UnknownHost(host));
    }
    if path == "missing" || path.starts_with("missing/") {
        return Err(Unreachable::NotFound);
    }
    let h = ids::hash_bytes(seed, url.as_bytes());
    // Section names and the hex tags of search-made paths are not topics.
    let mut words: Vec<String> = words_of(path)
        .into_iter()
        .filter(|w| !SECTIONS.contains(&w.as_str()) && !w.chars().any(|c| c.is_ascii_digit()))
        .collect();
    if words.is_empty() {
        words = words_of(&host.replace('.', " "));
    }
    // Three neighbouring words from a hashed start, distinct when there are three.
    let pick = |k: u64, offset: usize| {
        let start = (ids::hash(h, &[k]) % words.len() as u64) as usize;
        words[(start + offset) % words.len()].clone()
    };
    let title_words: Vec<String> = words.iter().take(6).map(|w| capitalize(w)).collect();
    let title = format!("{} | {host}", title_words.join(" "));
    let published = NaiveDate::from_ymd_opt(2016, 1, 1).expect("a valid date")
        + Days::new(ids::hash(h, &[1]) % 3800);
    let paragraphs = (0..6u64)
        .map(|p| {
            (0..3u64)
                .map(|s| {
                    let k = p * 10 + s;
                    let template =
                        SENTENCES[(ids::hash(h, &[100 + k]) % SENTENCES.len() as u64) as usize];
                    let sentence = template
                        .replace("{A}", &pick(k + 1000, 0))
                        .replace("{B}", &pick(k + 1000, 1))
                        .replace("{C}", &pick(k + 1000, 2));
                    capitalize(&sentence)
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    Ok(Page {
        url: url.to_owned(),
        title,
        published,
        paragraphs,
    })
}

/// True when `host` is one of [`HOSTS`].
pub fn is_synthetic_host(host: &str) -> bool {
    HOSTS.contains(&host)
}

/// The lowercase content words of `text` (3+ letters, no stopwords), each once, at most 12.
pub fn words_of(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && w.chars().any(char::is_alphabetic))
    {
        if !STOPWORDS.contains(&word.as_str()) && !out.contains(&word) {
            out.push(word);
        }
        if out.len() == 12 {
            break;
        }
    }
    out
}

/// Which hosts and days a search may draw on.
#[derive(Debug, Default, Clone)]
pub struct SourcePolicy {
    /// When not empty, the complete allow-list (excludes are then ignored).
    pub include: Vec<String>,
    /// Entries to leave out.
    pub exclude: Vec<String>,
    /// Only pages published on or after this day.
    pub after: Option<NaiveDate>,
}

impl SourcePolicy {
    fn allows_host(&self, host: &str) -> bool {
        if !self.include.is_empty() {
            return self.include.iter().any(|e| host_matches(host, e));
        }
        !self.exclude.iter().any(|e| host_matches(host, e))
    }
}

/// A domain entry: `example.com` matches it and its subdomains, `.gov` any
/// host ending so; a `domain/path` entry is matched on its domain (pages of
/// the synthetic web have no fixed paths to match).
fn host_matches(host: &str, entry: &str) -> bool {
    let entry = entry.trim().trim_end_matches('/').to_ascii_lowercase();
    let domain = entry.split('/').next().unwrap_or("");
    if domain.starts_with('.') {
        return host.ends_with(domain);
    }
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// The pages a search for `words` finds: at most `max_results` (capped at
/// [`MAX_RESULTS_PER_SEARCH`]), most relevant first, within `policy`.
pub fn search(seed: u64, words: &[String], max_results: usize, policy: &SourcePolicy) -> Vec<Page> {
    let hosts: Vec<&str> = HOSTS
        .iter()
        .copied()
        .filter(|h| policy.allows_host(h))
        .collect();
    let wanted = max_results.min(MAX_RESULTS_PER_SEARCH);
    if hosts.is_empty() || words.is_empty() || wanted == 0 {
        return Vec::new();
    }
    let query = ids::hash_bytes(seed, words.join(" ").as_bytes());
    let mut found = Vec::with_capacity(wanted);
    for i in 0..(wanted as u64 * 4 + 40) {
        let h = ids::hash(query, &[i]);
        let host = hosts[(h % hosts.len() as u64) as usize];
        let section = SECTIONS[(ids::hash(h, &[1]) % SECTIONS.len() as u64) as usize];
        // Rotate the words so each candidate leads with a different one.
        let n = words.len();
        let slug: Vec<&str> = (0..n.min(5))
            .map(|k| words[(k + i as usize) % n].as_str())
            .collect();
        let url = format!(
            "https://{host}/{section}/{}-{:04x}",
            slug.join("-"),
            h & 0xffff
        );
        let Ok(page) = page(seed, &url) else { continue };
        if policy.after.is_some_and(|after| page.published < after) {
            continue;
        }
        found.push(page);
        if found.len() == wanted {
            break;
        }
    }
    found
}

/// Cuts `text` to at most `max` characters (not bytes).
pub fn truncate_chars(text: &mut String, max: usize) {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        words_of(text)
    }

    #[test]
    fn a_page_is_the_same_for_the_same_seed_and_url() {
        let url = "https://example.com/articles/solar-storage";
        assert_eq!(page(7, url), page(7, url));
        assert_ne!(
            page(7, url).unwrap().paragraphs,
            page(8, url).unwrap().paragraphs
        );
    }

    #[test]
    fn search_results_carry_the_query_words_in_title_and_excerpts() {
        let found = search(
            1,
            &words("solar battery storage"),
            10,
            &SourcePolicy::default(),
        );
        assert_eq!(found.len(), 10);
        for page in &found {
            let title = page.title.to_lowercase();
            assert!(
                ["solar", "battery", "storage"]
                    .iter()
                    .any(|w| title.contains(w)),
                "{title}"
            );
            let excerpts = page
                .excerpts(&words("solar battery storage"), 2000)
                .join(" ")
                .to_lowercase();
            assert!(
                excerpts.contains("solar") || excerpts.contains("battery"),
                "{excerpts}"
            );
        }
    }

    #[test]
    fn source_policy_limits_hosts_and_dates() {
        let include = SourcePolicy {
            include: vec![".gov".into()],
            exclude: vec!["example.gov".into()],
            ..Default::default()
        };
        let found = search(1, &words("tax policy"), 20, &include);
        assert!(!found.is_empty());
        assert!(
            found.iter().all(|p| p.url.contains(".gov/")),
            "include wins over exclude"
        );
        let exclude = SourcePolicy {
            exclude: vec!["example.com".into(), ".edu".into()],
            ..Default::default()
        };
        for p in search(1, &words("tax policy"), 30, &exclude) {
            assert!(
                !p.url.contains("example.com/") && !p.url.contains(".edu/"),
                "{}",
                p.url
            );
        }
        let after = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let recent = SourcePolicy {
            after: Some(after),
            ..Default::default()
        };
        let found = search(1, &words("tax policy"), 10, &recent);
        assert!(!found.is_empty());
        assert!(found.iter().all(|p| p.published >= after));
    }

    #[test]
    fn unknown_hosts_missing_paths_and_non_urls_have_no_page() {
        assert_eq!(page(1, "notaurl"), Err(Unreachable::NotAUrl));
        assert_eq!(
            page(1, "https://unknown.test/x"),
            Err(Unreachable::UnknownHost("unknown.test".into()))
        );
        assert_eq!(
            page(1, "https://example.org/missing/x"),
            Err(Unreachable::NotFound)
        );
    }

    #[test]
    fn excerpts_and_full_content_respect_their_bounds() {
        let page = page(3, "https://example.io/guides/rust-async-runtime").unwrap();
        let excerpts = page.excerpts(&words("async"), 150);
        assert_eq!(
            excerpts.iter().map(|e| e.chars().count()).sum::<usize>(),
            150
        );
        assert_eq!(page.full_content(Some(40)).chars().count(), 40);
    }
}
