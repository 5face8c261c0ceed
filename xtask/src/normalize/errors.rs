//! One error type for every operation.

use serde_json::{Value, json};

use super::visit::{component_ref, operations_mut, responses_mut};

/// Name of the union of the two documented error bodies.
pub const API_ERROR: &str = "ApiError";

/// Points every documented 4xx JSON response at one component,
/// `ApiError = oneOf[ErrorResponse, HTTPValidationError]`.
///
/// progenitor asserts that an operation has at most one error type, and some
/// operations document a 404 `ErrorResponse` next to a 422
/// `HTTPValidationError`. One union also gives every method the same
/// `Error<ApiError>` type.
pub fn unify_error_responses(doc: &mut Value) {
    let mut used = false;
    for (_, _, operation) in operations_mut(doc) {
        for (status, response) in responses_mut(operation) {
            if !status.starts_with('4') {
                continue;
            }
            if let Some(schema) = response.pointer_mut("/content/application~1json/schema") {
                *schema = component_ref(API_ERROR);
                used = true;
            }
        }
    }
    if !used {
        return;
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.entry(API_ERROR).or_insert_with(|| {
            json!({
                "description": "An error body: the API's own error object, or a request validation error.",
                "oneOf": [component_ref("ErrorResponse"), component_ref("HTTPValidationError")]
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_4xx_json_response_points_at_api_error() {
        let mut doc = json!({
            "paths": {"/x": {"get": {"responses": {
                "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ok"}}}},
                "404": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}},
                "422": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}
            }}}},
            "components": {"schemas": {}}
        });
        unify_error_responses(&mut doc);
        let responses = &doc["paths"]["/x"]["get"]["responses"];
        assert_eq!(
            responses["200"]["content"]["application/json"]["schema"],
            component_ref("Ok")
        );
        assert_eq!(
            responses["404"]["content"]["application/json"]["schema"],
            component_ref(API_ERROR)
        );
        assert_eq!(
            responses["422"]["content"]["application/json"]["schema"],
            component_ref(API_ERROR)
        );
        assert_eq!(
            doc["components"]["schemas"][API_ERROR]["oneOf"],
            json!([
                component_ref("ErrorResponse"),
                component_ref("HTTPValidationError")
            ])
        );
    }
}
