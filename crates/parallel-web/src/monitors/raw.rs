//! The monitor calls sent as JSON the SDK reads itself, through the same
//! client hooks (key, headers, response-size limit) and the same request
//! layer (retries, spans, timeouts) as every generated call.
//!
//! Two operations need it. An events page is decoded here so that an
//! event of a kind this version does not know stays an
//! [`MonitorEvent::Unknown`](crate::MonitorEvent::Unknown): the generated
//! page type is an untagged union, which fails the whole page on one such
//! event. An update is sent as JSON because "remove the webhook" and
//! "remove the metadata" are a `null` on the wire, which the generated
//! request type (absent when `None`) cannot say.

use bytes::Bytes;
use parallel_web_api::{ClientInfo, ResponseValue, types};
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::client::request::Call;
use crate::error::Error;

/// One JSON call: `method` on `path` (after the base URL) with `query`
/// and an optional JSON `body`, decoded from the 2xx answer into `T`.
pub(crate) async fn send_json<T: DeserializeOwned>(
    client: &Client,
    call: Call,
    method: Method,
    path: &str,
    query: &[(&str, String)],
    body: Option<&serde_json::Value>,
) -> Result<T, Error> {
    let bytes = send(client, call, method, path, query, body).await?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
        what: format!("{} response", call.op),
        message: e.to_string(),
        raw: String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned(),
    })
}

/// One call as [`send_json`] makes it, answering the 2xx body unread, for
/// a caller that decodes it borrowing from the bytes.
pub(crate) async fn send(
    client: &Client,
    call: Call,
    method: Method,
    path: &str,
    query: &[(&str, String)],
    body: Option<&serde_json::Value>,
) -> Result<Bytes, Error> {
    let answer = client
        .execute(call, || {
            let api = client.raw();
            let url = format!("{}{path}", api.baseurl());
            let mut request = api
                .client()
                .request(method.clone(), url)
                .query(query)
                .header(ACCEPT, HeaderValue::from_static("application/json"));
            if let Some(body) = body {
                request = request.json(body);
            }
            let info = OperationInfo {
                operation_id: call.op,
            };
            async move { attempt(api, request, &info).await }
        })
        .await?;
    Ok(answer.into_inner())
}

async fn attempt(
    api: &parallel_web_api::Client,
    request: reqwest::RequestBuilder,
    info: &OperationInfo,
) -> Result<ResponseValue<Bytes>, parallel_web_api::Error<types::ApiError>> {
    let mut request = request.build()?;
    api.pre(&mut request, info).await?;
    let result = api.exec(request, info).await;
    api.post(&result, info).await?;
    let response = result?;
    let status = response.status();
    if !status.is_success() {
        return Err(parallel_web_api::Error::UnexpectedResponse(response));
    }
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .map_err(parallel_web_api::Error::ResponseBodyError)?;
    Ok(ResponseValue::new(bytes, status, headers))
}
