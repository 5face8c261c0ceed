//! A FindAll run's candidates so far: as the wire type, or with each
//! matched candidate's output decoded into the caller's type.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::findall::header;
use crate::findall::run::FindAllRun;
use crate::types::{FieldBasis, FindAllCandidate, FindAllRunResult};
use crate::{Error, RequestOptions};

/// Where a candidate stands: generated, matched, unmatched or discarded
/// (unknown statuses are kept as `Other`).
pub use parallel_web_api::open::FindAllMatchStatus as MatchStatus;

impl FindAllRun {
    /// The run and every candidate evaluated so far. It does not wait:
    /// call it after [`wait`](Self::wait) for the final list.
    ///
    /// ```no_run
    /// # async fn demo(run: parallel_web::FindAllRun) -> Result<(), parallel_web::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Funding { total_raised_usd: Option<f64> }
    /// let result = run.result().typed::<Funding>().await?;
    /// for m in result.matches() {
    ///     println!("{}: {:?}", m.name, m.output.as_ref().and_then(|o| o.total_raised_usd));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn result(&self) -> FindAllResultRequest {
        FindAllResultRequest {
            run: self.clone(),
            options: RequestOptions::new(),
        }
    }
}

/// Builder for a FindAll run's result; finish with
/// [`send`](FindAllResultRequest::send) or `.await`, or decode outputs with
/// [`typed`](FindAllResultRequest::typed).
#[derive(Debug, Clone)]
#[must_use]
pub struct FindAllResultRequest {
    run: FindAllRun,
    options: RequestOptions,
}

impl FindAllResultRequest {
    /// One request: the run and its candidates as the server sent them.
    pub async fn send(self) -> Result<FindAllRunResult, Error> {
        let c = &self.run.client.with_options(self.options);
        let header = header(c);
        let id = self.run.id.as_str();
        Ok(versioned!(c, Call::read, findall_result, |b| b
            .findall_id(id)
            .parallel_beta(header.clone()))
        .await?
        .into_inner())
    }

    /// Decodes the output of each matched candidate as `T`. The output has
    /// one entry per match condition and per enrichment field, each
    /// `{"value": .., "type": ..}`; `T` is read from the field names and
    /// their values (so `T` names the fields it wants and ignores the
    /// rest). Make the enrichment fields `Option` when the result may be
    /// read before the enrichment filled them.
    pub fn typed<T: DeserializeOwned>(self) -> TypedFindAllResultRequest<T> {
        TypedFindAllResultRequest {
            inner: self,
            _type: std::marker::PhantomData,
        }
    }
}

request_builder!(FindAllResultRequest => FindAllRunResult, options: options);

/// A FindAll result with each matched candidate's output decoded as `T`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FindAllResult<T> {
    /// The run (status, counts, metadata).
    pub run: crate::types::FindAllRun,
    /// Every candidate evaluated so far, in the server's order.
    pub candidates: Vec<TypedCandidate<T>>,
    /// The cursor of the last event this result includes: open
    /// [`events`](FindAllRun::events) after it to follow what comes next.
    pub last_event_id: Option<String>,
}

impl<T> FindAllResult<T> {
    /// The matched candidates.
    ///
    /// ```
    /// # fn demo(result: parallel_web::FindAllResult<serde_json::Value>) {
    /// println!("{} matches", result.matches().count());
    /// # }
    /// ```
    pub fn matches(&self) -> impl Iterator<Item = &TypedCandidate<T>> {
        self.candidates
            .iter()
            .filter(|c| c.match_status == MatchStatus::Matched)
    }
}

/// One candidate, with its output as `T` when it matched.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TypedCandidate<T> {
    /// The candidate's id.
    pub candidate_id: String,
    /// The entity's name.
    pub name: String,
    /// The entity's main web address.
    pub url: String,
    /// A short text about the entity, when the server gave one.
    pub description: Option<String>,
    /// Where the candidate stands.
    pub match_status: MatchStatus,
    /// The output's field values decoded as `T`: for matched candidates
    /// that have an output.
    pub output: Option<T>,
    /// The output as the server sent it (conditions and enrichments), for
    /// every candidate that has one.
    pub raw_output: Option<serde_json::Map<String, Value>>,
    /// Reasoning and citations per output field.
    pub basis: Vec<FieldBasis>,
}

/// Decodes each matched candidate's output as `T`.
pub(crate) fn typed_result<T: DeserializeOwned>(
    r: FindAllRunResult,
) -> Result<FindAllResult<T>, Error> {
    let candidates = r
        .candidates
        .into_iter()
        .map(typed_candidate)
        .collect::<Result<_, _>>()?;
    Ok(FindAllResult {
        run: r.run,
        candidates,
        last_event_id: r.last_event_id,
    })
}

fn typed_candidate<T: DeserializeOwned>(c: FindAllCandidate) -> Result<TypedCandidate<T>, Error> {
    let output = match (&c.match_status, &c.output) {
        (MatchStatus::Matched, Some(raw)) => {
            let values = field_values(raw);
            Some(T::deserialize(&values).map_err(|e| Error::Decode {
                what: format!("output of candidate {} ({})", c.candidate_id, c.name),
                message: e.to_string(),
                raw: values.to_string(),
            })?)
        }
        _ => None,
    };
    Ok(TypedCandidate {
        candidate_id: c.candidate_id,
        name: c.name,
        url: c.url,
        description: c.description,
        match_status: c.match_status,
        output,
        raw_output: c.output,
        basis: c.basis.unwrap_or_default(),
    })
}

/// The output with each field's entry (`{"value": .., "type": ..,
/// "is_matched": ..}`) replaced by its `value`, so that `T` reads the
/// values themselves. An entry without a `value` is kept as it is.
fn field_values(output: &serde_json::Map<String, Value>) -> Value {
    output
        .iter()
        .map(|(field, entry)| {
            let value = match entry {
                Value::Object(o) if o.contains_key("value") => o["value"].clone(),
                other => other.clone(),
            };
            (field.clone(), value)
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// A result request decoding matched outputs as `T`; finish with
/// [`send`](TypedFindAllResultRequest::send) or `.await`.
#[must_use]
pub struct TypedFindAllResultRequest<T> {
    inner: FindAllResultRequest,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for TypedFindAllResultRequest<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: DeserializeOwned> TypedFindAllResultRequest<T> {
    /// One request, decoded.
    pub async fn send(self) -> Result<FindAllResult<T>, Error> {
        typed_result(self.inner.send().await?)
    }
}

request_builder!(
    impl<T> TypedFindAllResultRequest<T> => FindAllResult<T>,
    options: inner.options,
    where T: DeserializeOwned + Send + 'static
);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Funding {
        total_raised_usd: f64,
    }

    fn result(candidates: Value) -> FindAllRunResult {
        serde_json::from_value(serde_json::json!({
            "run": {"findall_id": "findall_1", "generator": "core",
                    "status": {"status": "completed", "is_active": false, "metrics": {}}},
            "candidates": candidates,
        }))
        .unwrap()
    }

    #[test]
    fn matched_outputs_are_decoded_from_their_field_values_and_every_raw_output_is_kept() {
        let r = result(serde_json::json!([
            {"candidate_id": "c1", "name": "Acme", "url": "https://acme.example", "match_status": "matched",
             "output": {"total_raised_usd": {"value": 5.0, "type": "enrichment"},
                        "series_a": {"value": "yes", "type": "match_condition", "is_matched": true}}},
            {"candidate_id": "c2", "name": "Beta", "url": "https://beta.example", "match_status": "unmatched",
             "output": {"series_a": {"value": "no", "type": "match_condition", "is_matched": false}}},
        ]));
        let typed = typed_result::<Funding>(r).unwrap();
        assert_eq!(typed.matches().count(), 1);
        assert_eq!(
            typed.candidates[0]
                .output
                .as_ref()
                .unwrap()
                .total_raised_usd,
            5.0
        );
        assert!(typed.candidates[1].output.is_none());
        assert!(typed.candidates[1].raw_output.is_some());
    }

    #[test]
    fn a_matched_output_that_does_not_fit_names_the_candidate() {
        let r = result(serde_json::json!([
            {"candidate_id": "c1", "name": "Acme", "url": "https://acme.example", "match_status": "matched",
             "output": {"total_raised_usd": {"value": "lots", "type": "enrichment"}}},
        ]));
        let err = typed_result::<Funding>(r).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { what, .. } if what.contains("c1") && what.contains("Acme")),
            "{err:?}"
        );
    }
}
