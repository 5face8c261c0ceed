//! The `parallel-beta` header: which beta features a request uses.
//!
//! The header is a comma-joined list. It is derived from the fields a
//! request actually sets (so users never have to remember the names) plus
//! any betas the user asked for on the client or the call.

/// Beta name for MCP servers on a run (`mcp_servers`).
pub const MCP_SERVERS: &str = "mcp-server-2025-07-17";
/// Beta name for run progress events (`enable_events`).
pub const EVENTS_SSE: &str = "events-sse-2025-07-24";
/// Beta name for run webhooks (`webhook`).
pub const WEBHOOK: &str = "webhook-2025-08-12";
/// Beta name for per-list-element basis entries in results.
pub const FIELD_BASIS: &str = "field-basis-2025-11-25";
/// Beta name every FindAll request sends (`client.findall()` adds it).
pub const FINDALL: &str = "findall-2025-09-15";

/// The beta features a request needs, collected while it is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Betas(Vec<String>);

impl Betas {
    /// Adds a beta name once, keeping first-seen order.
    pub(crate) fn add(&mut self, name: &str) {
        let name = name.trim();
        if !name.is_empty() && !self.0.iter().any(|b| b == name) {
            self.0.push(name.to_owned());
        }
    }

    /// Adds every name of `names`.
    pub(crate) fn extend<'a>(&mut self, names: impl IntoIterator<Item = &'a String>) {
        for n in names {
            self.add(n);
        }
    }

    /// Adds the betas one run's options need.
    pub(crate) fn add_for_run(&mut self, run: &crate::RunInput) {
        for name in run.betas() {
            self.add(name);
        }
    }

    /// The names, in first-seen order.
    pub(crate) fn names(&self) -> &[String] {
        &self.0
    }

    /// The header value, or `None` when no beta is used.
    pub(crate) fn header(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunInput;

    #[test]
    fn the_header_lists_each_used_beta_once() {
        let mut b = Betas::default();
        let server: crate::types::McpServer =
            crate::spec::wire::built(crate::types::McpServer::builder().name("a").url("u"));
        b.add_for_run(&RunInput::new("x").mcp_server(server.clone()));
        b.add_for_run(&RunInput::new("y").enable_events(true).mcp_server(server));
        b.extend(&["field-basis-2025-11-25".to_owned(), MCP_SERVERS.to_owned()]);
        assert_eq!(
            b.header().as_deref(),
            Some("mcp-server-2025-07-17,events-sse-2025-07-24,field-basis-2025-11-25")
        );
    }

    #[test]
    fn plain_runs_send_no_header() {
        let mut b = Betas::default();
        b.add_for_run(&RunInput::new("x").processor("base"));
        assert_eq!(b.header(), None);
    }
}
