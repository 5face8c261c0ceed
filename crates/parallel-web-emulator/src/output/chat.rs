//! Chat answers: deterministic text that mentions the question's words, or
//! JSON that fills a `response_format` schema the way task outputs fill an
//! output schema (the same generator), with a basis for research models.

use super::schema_fill::gen_value;
use super::{Context, auto_schema, basis_for, context};
use crate::ids;
use crate::wire::FieldBasis;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// Most words of the question an answer repeats.
const MAX_ECHOED_WORDS: usize = 12;

/// What the answer should look like (the request's `response_format`).
pub enum AnswerFormat<'a> {
    /// Plain text (no format, or `{"type": "text"}`).
    Text,
    /// JSON matching this schema (`json_schema`).
    Schema(&'a Value),
    /// Any JSON object (`json_object`).
    AnyObject,
}

/// A generated answer.
pub struct ChatAnswer {
    /// The answer text (JSON text for the JSON formats).
    pub content: String,
    /// One entry per answered field when `with_basis`, else empty.
    pub basis: Vec<FieldBasis>,
}

/// The words of `question` an answer mentions, in order, without
/// surrounding punctuation.
pub fn question_words(question: &str) -> Vec<String> {
    question
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .take(MAX_ECHOED_WORDS)
        .map(str::to_owned)
        .collect()
}

/// The answer to `question` for a request whose canonical text is
/// `request_key` (same seed and request: same answer).
pub fn answer(
    seed: u64,
    request_key: &str,
    question: &str,
    format: AnswerFormat<'_>,
    with_basis: bool,
) -> ChatAnswer {
    let mut rng = StdRng::seed_from_u64(ids::hash_bytes(seed, request_key.as_bytes()));
    let ctx: Context = context(&json!(question), None);
    let words = question_words(question);
    let topic = if words.is_empty() {
        "your question".to_owned()
    } else {
        words.join(" ")
    };
    match format {
        AnswerFormat::Text => {
            let content = format!(
                "On {topic}: the {} sources read agree on the main points, and {} has the most detail.",
                rng.random_range(3..12),
                ctx.domains[rng.random_range(0..ctx.domains.len())]
            );
            let basis = if with_basis {
                vec![basis_for("output", &ctx, &mut rng)]
            } else {
                Vec::new()
            };
            ChatAnswer { content, basis }
        }
        AnswerFormat::Schema(schema) => json_answer(schema, &ctx, &mut rng, with_basis),
        AnswerFormat::AnyObject => json_answer(&auto_schema(), &ctx, &mut rng, with_basis),
    }
}

fn json_answer(schema: &Value, ctx: &Context, rng: &mut StdRng, with_basis: bool) -> ChatAnswer {
    let value = gen_value(schema, schema, "result", ctx, rng, 0);
    let basis = match (&value, with_basis) {
        (Value::Object(fields), true) => fields.keys().map(|k| basis_for(k, ctx, rng)).collect(),
        (_, true) => vec![basis_for("output", ctx, rng)],
        (_, false) => Vec::new(),
    };
    ChatAnswer {
        content: value.to_string(),
        basis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_answer_mentions_the_question_words_and_is_reproducible() {
        let a = answer(7, "k", "Who founded Parallel?", AnswerFormat::Text, false);
        assert!(a.content.contains("Who founded Parallel"), "{}", a.content);
        assert!(a.basis.is_empty());
        let b = answer(7, "k", "Who founded Parallel?", AnswerFormat::Text, false);
        assert_eq!(a.content, b.content);
    }

    #[test]
    fn a_schema_answer_fills_the_schema() {
        let schema = json!({"type": "object", "properties": {
            "name": {"type": "string"}, "year": {"type": "integer"}
        }, "required": ["name", "year"]});
        let a = answer(1, "k", "q", AnswerFormat::Schema(&schema), true);
        let value: Value = serde_json::from_str(&a.content).unwrap();
        assert!(
            value["name"].is_string() && value["year"].is_i64(),
            "{value}"
        );
        let fields: Vec<&str> = a.basis.iter().map(|b| b.field.as_str()).collect();
        assert_eq!(fields, ["name", "year"]);
    }
}
