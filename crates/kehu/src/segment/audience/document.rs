//! The serde types of the `audiences` document: a versioned envelope around a list of named
//! rules, each rule kept as the JSON the user wrote (it is checked and compiled by `compile`).

use crate::format::Versioned;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One audience as written in the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceDefinition {
    /// The audience's name (unique in the document).
    pub name: String,
    /// Its rule (see [`crate::segment::audience`] for the nodes).
    pub rule: Json,
}

/// The whole document (`kind: "audiences"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AudienceDocument {
    /// The audiences, in document order.
    pub(super) audiences: Vec<AudienceDefinition>,
}

impl Versioned for AudienceDocument {
    const KIND: &'static str = "audiences";
}
