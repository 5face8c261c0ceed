//! The cursor loop behind the monitor list and the event stream: fetch a
//! page, hand out its items, follow `next_cursor` until a page has none.
//! An error is the stream's last item (the request layer has already
//! retried what it could).

use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::Error;

/// One page: its items and where the next one starts (`None` on the last).
pub(crate) type Page<T> = (Vec<T>, Option<String>);

/// Every item of every page `fetch` returns, first page first; `fetch`
/// gets the cursor of the page to read (`None` for the first).
pub(crate) fn every_page<T, F, Fut>(fetch: F) -> BoxStream<'static, Result<T, Error>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    // `Some(cursor)` while a page is still to be read.
    let start: Option<Option<String>> = Some(None);
    stream::try_unfold((fetch, start), |(mut fetch, next)| async move {
        let Some(cursor) = next else {
            return Ok(None);
        };
        let (items, next_cursor) = fetch(cursor.clone()).await?;
        if next_cursor.is_some() && next_cursor == cursor {
            return Err(Error::Decode {
                what: "page cursor".into(),
                message: "the server gave the same cursor twice; stopping rather than looping"
                    .into(),
                raw: next_cursor.unwrap_or_default(),
            });
        }
        Ok(Some((items, (fetch, next_cursor.map(Some)))))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    #[tokio::test]
    async fn every_item_of_every_page_comes_once_in_order() {
        let pages = every_page(|cursor: Option<String>| async move {
            Ok(match cursor.as_deref() {
                None => (vec![1, 2], Some("b".to_owned())),
                Some("b") => (vec![], Some("c".to_owned())),
                Some("c") => (vec![3], None),
                Some(other) => panic!("unexpected cursor {other}"),
            })
        });
        let all: Vec<i32> = pages.try_collect().await.unwrap();
        assert_eq!(all, [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_cursor_that_does_not_move_ends_the_stream_with_an_error() {
        let mut pages =
            every_page(
                |_cursor: Option<String>| async move { Ok((vec![1], Some("same".to_owned()))) },
            );
        assert_eq!(pages.try_next().await.unwrap(), Some(1));
        assert!(matches!(pages.try_next().await, Err(Error::Decode { .. })));
    }
}
