//! The streamed form of `POST /v1beta/chat/completions`.
//!
//! The operation answers JSON, or a `text/event-stream` when the body says
//! `stream: true`. progenitor generates one method per operation and picks
//! the JSON answer, so [`Client::chat_completions`] parses a
//! [`types::ChatCompletion`]; this handwritten twin sends the same request
//! with `stream: true` and returns the raw event-stream body, through the
//! same hooks (key, headers, `Accept: text/event-stream`, no body limit).

use progenitor_client::{ClientHooks, Error, OperationInfo, ResponseValue};

use crate::{ByteStream, Client, types};

/// The operation name the hooks see for the streamed chat call (listed in
/// [`crate::JSON_OR_STREAM_OPERATIONS`]).
pub const CHAT_COMPLETIONS_STREAM: &str = "chat_completions_stream";

impl Client {
    /// Sends a chat completion request with `stream: true` (whatever `body`
    /// says) and returns the `text/event-stream` body unread.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web_api::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use parallel_web_api::types::{ChatCompletionRequest, ChatMessage, ChatMessageRole};
    /// let body = ChatCompletionRequest::builder()
    ///     .model("speed")
    ///     .messages(vec![ChatMessage::builder()
    ///         .role(ChatMessageRole::User)
    ///         .content("What is Parallel?")
    ///         .try_into()?]);
    /// let stream = client.chat_completions_stream(&body.try_into()?).await?;
    /// # let _ = stream;
    /// # Ok(()) }
    /// ```
    pub async fn chat_completions_stream(
        &self,
        body: &types::ChatCompletionRequest,
    ) -> Result<ResponseValue<ByteStream>, Error<types::ApiError>> {
        let mut body = body.clone();
        body.stream = Some(true);
        let url = format!("{}/v1beta/chat/completions", self.baseurl);
        let mut request = self.client.post(url).json(&body).build()?;
        let info = OperationInfo {
            operation_id: CHAT_COMPLETIONS_STREAM,
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200 => Ok(ResponseValue::stream(response)),
            422 => Err(Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
}
